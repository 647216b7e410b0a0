"""Vietnamese prose for the second page family (:mod:`.family2`): sentences of reports, book
pages and notices that are not administrative formulas, written for this generator.

Static data only; every string NFC with the traditional tone placement of the first family
(hòa, thủy). ``{n}``, ``{year}``, ``{pct}`` slots are filled by the caller.
"""

from __future__ import annotations

SENTENCES: tuple[str, ...] = (
    "Mùa mưa năm ấy đến sớm hơn mọi năm, nước sông dâng cao và tràn vào những cánh đồng "
    "vừa gieo mạ.",
    "Người dân trong xóm rủ nhau đắp lại bờ đê, mỗi nhà góp một ít tre, đất và công sức.",
    "Theo số liệu của trạm khí tượng, lượng mưa trung bình tháng Chín đạt {n} mi-li-mét, cao "
    "hơn cùng kỳ năm trước.",
    "Ngôi trường nhỏ nằm bên con đường đất đỏ, buổi sáng nào cũng rộn tiếng trẻ em đọc bài.",
    "Thầy giáo già vẫn giữ thói quen ghi chép từng buổi học vào cuốn sổ bìa cứng đã sờn góc.",
    "Chợ phiên họp vào ngày rằm và mồng một, bà con từ các bản trên núi gùi hàng xuống từ "
    "lúc trời còn tối.",
    "Giá lúa vụ đông xuân năm {year} tăng khoảng {pct}% so với vụ trước, nhưng chi phí phân "
    "bón cũng tăng theo.",
    "Nhiều hộ gia đình đã chuyển sang trồng cây ăn quả, nuôi ong và làm du lịch cộng đồng.",
    "Cây đa đầu làng đã có hơn hai trăm tuổi, tán rộng che mát cả một khoảng sân đình.",
    "Những trang viết cũ cho thấy nghề dệt chiếu ở vùng này đã có từ cuối thế kỷ mười chín.",
    "Khi được hỏi về kế hoạch sắp tới, chị Hương chỉ cười và nói rằng mọi việc còn phải chờ "
    "hết mùa gặt.",
    "Bệnh viện huyện vừa được trang bị thêm máy siêu âm, máy thở và một xe cứu thương mới.",
    "Đội y tế lưu động đi khám bệnh cho người cao tuổi ở {n} thôn vùng sâu, vùng xa.",
    "Con đường bê tông dài gần ba cây số nối trung tâm xã với khu dân cư ven biển đã hoàn "
    "thành trước Tết.",
    "Buổi chiều, gió từ biển thổi vào mang theo mùi muối mặn và tiếng sóng vỗ đều đặn.",
    "Cuốn sách gồm mười hai chương, mỗi chương kể lại một giai đoạn trong cuộc đời của tác giả.",
    "Ông nội tôi thường kể chuyện ngày xưa bên bếp lửa, giọng chậm rãi và trầm ấm.",
    "Thư viện tỉnh mở cửa cả ngày thứ Bảy để học sinh, sinh viên có thêm chỗ đọc sách.",
    "Trong năm {year}, câu lạc bộ đã tổ chức {n} buổi sinh hoạt chuyên đề về văn hóa đọc.",
    "Mỗi sáng sớm, những chiếc thuyền nhỏ lại rời bến, hướng ra khơi đánh bắt cá.",
    "Sau cơn bão, lực lượng thanh niên tình nguyện giúp người dân dựng lại nhà cửa và dọn "
    "dẹp đường làng.",
    "Kết quả khảo sát cho thấy {pct}% số hộ được hỏi hài lòng với chất lượng nước sạch.",
    "Hội Nông dân phối hợp với ngân hàng hướng dẫn thành viên lập phương án vay vốn sản xuất.",
    "Những ngôi nhà sàn lợp lá cọ nằm rải rác dưới chân đồi, khói bếp bay lên trong sương sớm.",
    "Tiếng trống trường vang lên, đàn em nhỏ ùa ra sân chơi như một đàn chim sẻ.",
    "Người thợ mộc tỉ mỉ chọn từng tấm gỗ, đo đạc kỹ lưỡng trước khi bắt tay vào việc.",
    "Món phở ở đây nổi tiếng nhờ nước dùng trong, ngọt thanh và bánh phở mềm, dai.",
    "Nhà văn viết cuốn tiểu thuyết đầu tay khi mới hai mươi tuổi, trong những năm tháng đói "
    "khổ nhất.",
    "Đến cuối tháng {n}, công trình thủy lợi đã tưới đủ nước cho hơn một nghìn héc-ta lúa.",
    "Các em học sinh được hướng dẫn cách phân loại rác thải ngay tại nhà và ở trường học.",
    "Ủy ban Mặt trận Tổ quốc xã đã trao {n} suất quà cho các gia đình có hoàn cảnh khó khăn.",
    "Dòng sông quê hương hiền hòa uốn lượn qua những bãi ngô, nương dâu xanh mướt.",
    "Bài thơ được nhiều thế hệ học trò thuộc lòng, nhất là khổ cuối nói về tình mẹ.",
    "Từ khi có điện lưới quốc gia, đời sống của bà con trong bản đã thay đổi rõ rệt.",
    "Ở vùng đồng bằng, mùa nước nổi mang theo phù sa bồi đắp cho ruộng vườn thêm màu mỡ.",
    "Cô giáo trẻ quyết định ở lại điểm trường lẻ thêm ba năm nữa để dạy chữ cho trẻ em người "
    "dân tộc.",
    "Những bức ảnh tư liệu ghi lại cảnh sinh hoạt của phố cổ vào đầu thế kỷ trước.",
    "Báo cáo nêu rõ: \"Tình trạng sạt lở bờ sông vẫn diễn biến phức tạp, cần có giải pháp lâu "
    "dài.\"",
    "Trên sườn đồi, những hàng chè xanh thẳng tắp trải dài đến tận chân trời.",
    "Nhờ áp dụng kỹ thuật tưới nhỏ giọt, năng suất cà phê tăng gần gấp rưỡi so với trước.",
    "Khách du lịch đến đây thường ghé thăm làng gốm, tự tay nặn những chiếc bình nhỏ.",
    "Cuộc thi viết chữ đẹp thu hút {n} học sinh tiểu học đến từ các trường trong huyện.",
    "Bà cụ sống một mình trong căn nhà nhỏ, ngày ngày chăm mảnh vườn rau trước cửa.",
    "Chiều thứ Sáu, đoàn kiểm tra làm việc với Ban quản lý chợ về công tác phòng cháy, chữa "
    "cháy.",
    "Số lượt khách tham quan bảo tàng trong sáu tháng đầu năm {year} tăng {pct}% so với cùng "
    "kỳ.",
    "Những chiếc lồng đèn giấy đủ màu được treo dọc phố, chuẩn bị cho đêm hội trăng rằm.",
    "Anh Tuấn cho biết, muốn nuôi tôm đạt hiệu quả thì phải giữ nguồn nước thật sạch.",
    "Chương trình học bổng năm nay dành cho học sinh nghèo vượt khó, mỗi suất trị giá hai "
    "triệu đồng.",
    "Mưa phùn lất phất, đường phố Hà Nội những ngày cuối đông trở nên trầm lắng lạ thường.",
    "Tại buổi tọa đàm, các đại biểu đã trao đổi nhiều ý kiến về việc bảo tồn di sản.",
    "Giữa trưa hè, tiếng ve râm ran trên những tán phượng đỏ rực cả sân trường.",
    "Hợp tác xã đã ký hợp đồng bao tiêu sản phẩm với ba doanh nghiệp chế biến nông sản.",
    "Để chuẩn bị cho kỳ thi, nhiều em thức khuya ôn bài dưới ánh đèn dầu.",
    "Các cụ cao niên trong làng vẫn nhớ rõ từng tên đất, tên người của những ngày khai hoang.",
)

HEADINGS: tuple[str, ...] = (
    "Mùa nước nổi", "Những người giữ làng", "Chuyện bên bếp lửa", "Con đường đến trường",
    "Phiên chợ vùng cao", "Đất và người", "Ký ức phố cổ", "Hương vị quê nhà",
    "Tình hình sản xuất nông nghiệp", "Kết quả thực hiện năm {year}", "Văn hóa đọc ở cơ sở",
    "Phòng, chống thiên tai",
)

BOOK_TITLES: tuple[str, ...] = (
    "Địa chí làng quê", "Tuyển tập bút ký", "Sổ tay văn hóa cơ sở", "Chuyện làng chuyện nước",
    "Ghi chép miền biển", "Tư liệu lịch sử địa phương",
)
