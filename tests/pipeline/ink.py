"""The "ink" OCR engine of the dossier tests: a page's ink decides what it reads as — a
card's front, its back, a letter's untitled page 2 or a birth certificate — so grouping
across files is tested fast, with every stage after OCR real.

Importing this module registers the engine as ``ink``; a queue worker started with it
(``dramatiq pipeline.run.queue tests.pipeline.ink``) reads pages as the test process does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ocr_models import registry
from ocr_models.fake import FakeEngine

FRONT = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "CĂN CƯỚC CÔNG DÂN", "Số / No.: 001190012345",
         "Họ và tên / Full name: NGUYỄN VĂN AN", "Ngày sinh / Date of birth: 05/03/1990",
         "Giới tính / Sex: Nam", "Quốc tịch / Nationality: Việt Nam",
         "Có giá trị đến: 05/03/2040")
BACK = ("Đặc điểm nhận dạng / Personal identification: Nốt ruồi",
        "Ngày, tháng, năm / Date, month, year: 10/08/2021",
        "IDVNM0900123456001190012345<<1", "9003057M4003053VNM<<<<<<<<<<<6",
        "NGUYEN<<VAN<AN<<<<<<<<<<<<<<<<")
BIRTH = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
         "GIẤY KHAI SINH", "Họ, chữ đệm, tên: Trần Minh Khôi",
         "Ngày, tháng, năm sinh: 3?/07/2019", "Giới tính: Nam")  # a date to re-check
PAGE_2 = ("2. Ủy ban nhân dân xã chỉ đạo và hướng dẫn các thôn thực hiện các nội dung sau:",
          "- Đăng ký kế hoạch triển khai thực hiện dịch vụ công trực tuyến;",
          "- Báo cáo kết quả thực hiện trước ngày 15 hằng tháng.")  # a letter's page 2
LINES = {4: FRONT, 8: BACK, 11: PAGE_2, 14: BIRTH}  # page lines drawn → what it reads as


class InkEngine(FakeEngine):
    """Reads the script matching how many ink lines the page carries."""

    name = "ink"

    def recognize(self, image, *, languages=("vie",), dpi=300):  # noqa: ANN001
        gray = image if image.ndim == 2 else image.mean(axis=2)
        rows = (gray < 128).mean(axis=1) > 0.3  # rows mostly ink
        runs = int(np.count_nonzero(rows[1:] & ~rows[:-1]) + rows[0])
        self.script = list(LINES[min(LINES, key=lambda n: abs(n - runs))])
        return super().recognize(image, languages=languages, dpi=dpi)


def page(path: Path, lines: int) -> Path:
    """An A4 page at 100 dpi with ``lines`` thick ink bars."""
    arr = np.full((1169, 827), 245, np.uint8)
    for n in range(lines):
        y = 120 + n * 70
        arr[y:y + 14, 90:740] = 15
    Image.fromarray(arr).save(path, dpi=(100, 100))
    return path


registry.register("ink", InkEngine)
