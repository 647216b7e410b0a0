"""Phone photos of papers: tell them from scans, find the paper, rectify it, clean its colours.

A citizen's photo of a chip ID card, a birth certificate or a land-use certificate shows the
paper as a skewed quadrilateral on a table or floor, in perspective, with fingers, glare and
other papers around it, and often on guilloche (coloured security pattern) paper. This module
owns what happens to such a page before the scan pipeline sees it:

- :func:`find_photo` decides whether a loaded page is a photo, and if the paper's outline is
  visible, warps the paper to an upright-ish rectangle (four-point perspective transform) and
  sets its resolution from the paper's physical size (card 85.6 mm wide, A4 210 mm), so that
  the resolution logic downstream works on real millimetres. A photo with no outline found
  is kept whole (resolution: the frame's long side taken as A4's, never a phone's 72-dpi
  tag). A page that is not clearly a photo returns ``None`` and goes through the pipeline
  exactly as a scan.
- :func:`grey_for_ocr` turns a photo's colours to grey so that light coloured guilloche
  lines and red seals fade to paper while black, blue and dark red print stays dark.

Deciding "photo" errs towards "scan": a flatbed scan has a paper-coloured, untextured frame
edge and a scanner resolution tag, and its page edges (if visible) are not a high-contrast
quadrilateral well inside the frame. Only a quadrilateral with a sharp, darker surround on
at least three sides, or a frame-filling page with camera-like lighting and no scanner
resolution, counts.
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass

import cv2
import numpy as np

from pipeline.page import clean
from pipeline.page.intake import CaptureHints, LoadedPage

log = logging.getLogger(__name__)

CARD_MM = (85.6, 54.0)  # ISO/IEC 7810 ID-1: chip ID cards
A4_MM = (210.0, 297.0)
CARD_ASPECT = CARD_MM[1] / CARD_MM[0]  # 0.631
A4_ASPECT = A4_MM[0] / A4_MM[1]  # 0.707
ANALYSIS_PX = 640  # long side of the copy the outline is searched on
MIN_AREA, MAX_AREA = 0.12, 0.93  # of the frame: smaller is a card on a scanned sheet...
MIN_AREA_CAMERA = 0.05  # ...unless the file has no scanner resolution: a card seen from afar
EDGE_CONTRAST = 18  # grey levels between paper and surround across an outline side
INSET = 0.006  # of the rectified size, trimmed off each side (paper edge, shadow)
SCANNER_DPI = 100  # a resolution tag at or above this is a scanner's or a PDF's


@dataclass
class PhotoPage:
    """A page found to be a photo: the paper's pixels to process, and how they were got."""

    page: LoadedPage  # rectified paper (or the whole frame), resolution from its real size
    kind: str  # "card" | "sheet" (A4-like paper rectified) | "frame" (kept whole)
    quad: np.ndarray | None  # paper corners in the loaded image (TL, TR, BR, BL), float32


def find_photo(loaded: LoadedPage, hints: CaptureHints | None = None) -> PhotoPage | None:
    """The rectified paper when ``loaded`` is a phone photo; None for a scan (unchanged)."""
    image = loaded.image
    h, w = image.shape[:2]
    if min(h, w) < 200:
        return None
    scale = ANALYSIS_PX / max(h, w)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))),
                       interpolation=cv2.INTER_AREA) if scale < 1 else image
    scale = min(scale, 1.0)
    scanner = hints is None or hints.scanner_dpi
    quad = find_paper_quad(small, MIN_AREA if scanner else MIN_AREA_CAMERA,
                           by_sides=not scanner)
    if quad is not None:
        quad = quad / scale
        page, kind = rectify(loaded, quad)
        log.debug("photo: %s outline found, rectified to %dx%d at %.0f dpi", kind,
                  page.image.shape[1], page.image.shape[0], page.dpi)
        return PhotoPage(page, kind, quad.astype(np.float32))
    if hints is not None and (hints.camera or _frame_filling_photo(small, hints)):
        log.debug("photo: no outline found; the whole frame is kept")
        # a phone's 72-dpi tag says nothing: take the frame's long side as A4's
        dpi = max(h, w) / (A4_MM[1] / 25.4)
        page = LoadedPage(loaded.image, dpi, loaded.colour) if not hints.scanner_dpi else loaded
        return PhotoPage(page, "frame", None)
    return None


# -- the paper's outline -----------------------------------------------------------------------

def find_paper_quad(image: np.ndarray, min_area: float = MIN_AREA, *,
                    by_sides: bool = False) -> np.ndarray | None:
    """The paper's four corners (TL, TR, BR, BL) in ``image`` (a small copy), or None.

    Candidates come from two masks, "paper-like" pixels (bright and unsaturated, Otsu on
    brightness minus saturation) and closed edges (Canny), each cleaned by an opening that
    cuts fingers and thin bridges to other papers; each outer contour's convex hull is
    reduced to four corners. A candidate counts when its area, angles and rectified aspect
    are those of a paper, and a sharp, darker surround is seen across at least three
    sides (a lighting gradient or a scanner's white lid is not an edge).

    Paper-likeness is cut at Otsu's level first. A lamp that shades one end of the paper
    can drop that end below it with the table, so that the outline ends inside the paper:
    while no candidate has a sharp surround on every side inside the frame, lower levels
    are tried (:func:`_paper_levels`), and a candidate with an edge on every side is
    preferred to one without.

    With ``by_sides`` (a camera's file), when no outline passes, the paper is looked for
    once more among quadrilaterals built from the outlines' long straight runs: a paper
    touching another one, or crossed by a finger, merges with it into one outline whose
    corners are not the paper's, while three or four of the paper's sides still run
    straight along it (:func:`_quads_from_sides`)."""
    grey = clean.to_grey(image)
    blurred = cv2.GaussianBlur(grey, (5, 5), 0)
    frame_area = float(grey.shape[0] * grey.shape[1])
    paperness = _paperness(image, blurred)
    otsu, _ = cv2.threshold(paperness, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    outlines = []
    # the best quadrilateral at Otsu's level; the best with a sharp edge on every side at
    # any level (lower levels are tried only while there is none)
    best = whole = None
    for n, level in enumerate(_paper_levels(paperness, otsu)):
        for mask in _paper_masks(paperness, level):
            contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
            outlines.append((mask, sorted(contours, key=cv2.contourArea, reverse=True)[:3]))
            for rank, quad, every_side in _outline_quads(outlines[-1][1], blurred, frame_area,
                                                         min_area):
                if n == 0:
                    best = _better(best, (rank, quad))
                if every_side:
                    whole = _better(whole, (rank, quad))
        if whole is not None:
            break
    best = whole or best
    if best is None and by_sides:
        for mask, contours in outlines[:2]:  # Otsu's level
            for contour in contours:
                if cv2.contourArea(contour) < min_area * frame_area:
                    break
                for quad in _quads_from_sides(contour, grey.shape):
                    points = contour.reshape(-1, 2).astype(np.float32)
                    if not _plausible(quad, frame_area, min_area) or \
                            not _straight_sides(quad, points):
                        continue
                    inside = _filled_share(mask, quad)
                    if inside < 0.9 or _edge_score(blurred, quad) is None:
                        continue
                    rank = cv2.contourArea(quad) * (inside * _edge_share(blurred, quad)) ** 4
                    best = _better(best, (rank, quad))
    return None if best is None else best[1]


def _better(best: tuple[float, np.ndarray] | None,
            other: tuple[float, np.ndarray] | None) -> tuple[float, np.ndarray] | None:
    if other is None:
        return best
    return other if best is None or other[0] > best[0] else best


def _outline_quads(contours: list[np.ndarray], blurred: np.ndarray, frame_area: float,
                   min_area: float) -> list[tuple[float, np.ndarray, bool]]:
    """Paper quadrilaterals fitted to the largest outer outlines of a mask, each with its
    rank (its area times how well the outline fills it: a notch cut by an edge inside the
    paper, or a lobe of glare, make the fit worse) and whether every side inside the frame
    has a sharp darker surround (a side with none was drawn across the paper itself, where
    shading cut the mask short)."""
    found = []
    for contour in contours:
        area = cv2.contourArea(contour)
        if area < min_area * frame_area:
            break
        quad = _four_corners(contour)
        points = contour.reshape(-1, 2).astype(np.float32)
        for _ in range(3):  # a lobe (glare, finger) pulls a corner off; refits walk back
            quad = None if quad is None else _refine(quad, points)
        if quad is None or not _plausible(quad, frame_area, min_area):
            continue
        if not _straight_sides(quad, points):
            continue
        if _edge_score(blurred, quad) is None:
            continue
        quad_area = cv2.contourArea(quad)
        fit = min(area, quad_area) / max(area, quad_area)
        found.append((quad_area * fit ** 4, quad, _every_side(blurred, quad)))
    return found


MAX_SIDE_LINES = 8  # the longest straight runs of an outline that sides are chosen from


def _quads_from_sides(contour: np.ndarray, frame: tuple[int, int]) -> list[np.ndarray]:
    """Quadrilaterals whose sides lie on the outline's long straight runs: the runs of a
    polygon approximation, each refitted to the outline points along it; any four of the
    longest, paired by direction into opposite sides, meet at four corners. A run along
    the frame's border (``frame``: height, width) is where the picture ends, not a side."""
    points = contour.reshape(-1, 2).astype(np.float32)
    perimeter = cv2.arcLength(contour, True)
    approx = cv2.approxPolyDP(contour, 0.008 * perimeter, True).reshape(-1, 2)
    shortest = 0.15 * np.sqrt(cv2.contourArea(contour))
    lines: list[tuple[float, np.ndarray, np.ndarray]] = []  # support, point, direction
    for i in range(len(approx)):
        a, b = approx[i].astype(np.float32), approx[(i + 1) % len(approx)].astype(np.float32)
        ab = b - a
        length = float(np.linalg.norm(ab))
        if length < shortest:
            continue
        rel = points - a
        t = rel @ ab / (length * length)
        dist = np.abs(rel[:, 0] * ab[1] - rel[:, 1] * ab[0]) / length
        near = points[(t > -0.05) & (t < 1.05) & (dist < 0.01 * length + 2)]
        if len(near) < 5 or _on_frame_border(near, frame):
            continue
        vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((length, np.array([x0, y0], np.float32), np.array([vx, vy], np.float32)))
    lines = _distinct_lines(sorted(lines, key=lambda line: -line[0]),
                            0.03 * np.sqrt(cv2.contourArea(contour)))[:MAX_SIDE_LINES]
    quads = []
    for four in itertools.combinations(lines, 4):
        a, b, c, d = four
        for first, second in (((a, b), (c, d)), ((a, c), (b, d)), ((a, d), (b, c))):
            (p, q), (r, s) = first, second  # p, q opposite; r, s opposite
            corners = [_meet(p, r), _meet(r, q), _meet(q, s), _meet(s, p)]
            if any(corner is None for corner in corners):
                continue
            quads.append(order_corners(np.array(corners, np.float32)))
    return quads


def _on_frame_border(points: np.ndarray, frame: tuple[int, int]) -> bool:
    h, w = frame
    x, y = points[:, 0], points[:, 1]
    border = (x <= 1) | (y <= 1) | (x >= w - 2) | (y >= h - 2)
    return bool(border.mean() > 0.5)


def _distinct_lines(lines: list, tolerance: float) -> list:
    """Lines with one kept per side: runs of the same side (nearly the same direction and
    offset) after the longest are dropped."""
    kept: list = []
    for line in lines:
        _, p, u = line
        same = False
        for _, q, v in kept:
            if abs(float(u[0] * v[1] - u[1] * v[0])) < 0.07:  # within ~4 degrees
                offset = abs(float((p - q)[0] * v[1] - (p - q)[1] * v[0]))
                if offset < tolerance:
                    same = True
                    break
        if not same:
            kept.append(line)
    return kept


def _meet(first, second) -> np.ndarray | None:
    (_, p, u), (_, q, v) = first, second
    m = np.array([u, -v]).T
    if abs(np.linalg.det(m)) < 0.2:  # nearly parallel: not adjacent sides
        return None
    s, _ = np.linalg.solve(m, q - p)
    return p + s * u


def _filled_share(mask: np.ndarray, quad: np.ndarray) -> float:
    """The share of the quadrilateral that the paper mask covers."""
    inside = np.zeros_like(mask)
    cv2.fillConvexPoly(inside, quad.round().astype(np.int32), 255)
    total = cv2.countNonZero(inside)
    return cv2.countNonZero(cv2.bitwise_and(inside, mask)) / max(1, total)


def _paperness(image: np.ndarray, blurred: np.ndarray) -> np.ndarray:
    """How paper-like each pixel is (bright and unsaturated), on a copy whose print was
    closed away (a grey closing wider than strokes and guilloche lines)."""
    size = max(blurred.shape)
    if image.ndim == 3:
        sat = image.max(axis=2).astype(np.int16) - image.min(axis=2)
        paperness = np.clip(blurred.astype(np.int16) - sat, 0, 255).astype(np.uint8)
    else:
        paperness = blurred
    c = max(3, size // 80) | 1
    return cv2.morphologyEx(paperness, cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (c, c)))


SHADED_LEVELS = (1 / 3, 2 / 3)  # of the way from Otsu's level down to the surround's


def _paper_levels(paperness: np.ndarray, otsu: float) -> list[float]:
    """Paper-likeness levels to cut at: Otsu's first; then, for a paper that a lamp lights
    unevenly (its shaded end falls below Otsu's level together with the table), lower
    levels between Otsu's and the typical surround's."""
    below = paperness[paperness < otsu]
    if below.size == 0:
        return [otsu]
    surround = float(np.median(below))
    return [otsu, *(otsu - share * (otsu - surround) for share in SHADED_LEVELS)]


def _paper_masks(paperness: np.ndarray, level: float) -> list[np.ndarray]:
    """Two views of where the paper is at one paper-likeness level: paper-like pixels cut
    along the strong edges that remain (so a card touching another paper comes apart),
    and the same without the cut; holes (photo, print) filled, thin attachments (a
    finger) opened away."""
    size = max(paperness.shape)
    k = max(3, size // 60) | 1
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k))
    _, bright = cv2.threshold(paperness, level, 255, cv2.THRESH_BINARY)
    edges = cv2.dilate(cv2.Canny(paperness, 30, 90), np.ones((3, 3), np.uint8))
    masks = []
    for mask in (cv2.bitwise_and(bright, cv2.bitwise_not(edges)), bright):
        filled = np.zeros_like(mask)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(filled, contours, -1, 255, -1)
        masks.append(cv2.morphologyEx(filled, cv2.MORPH_OPEN, kernel, iterations=2))
    return masks


def _four_corners(contour: np.ndarray) -> np.ndarray | None:
    hull = cv2.convexHull(contour)
    perimeter = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.045, 0.06):
        approx = cv2.approxPolyDP(hull, eps * perimeter, True)
        if len(approx) == 4:
            return order_corners(approx.reshape(4, 2).astype(np.float32))
        if len(approx) < 4:
            return None
    return None


def _refine(quad: np.ndarray, points: np.ndarray) -> np.ndarray | None:
    """Corners where straight lines fitted to each side's outline points meet: rounded card
    corners and the opening cut corners short, the sides themselves stay straight."""
    lines = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        ab = b - a
        length = float(np.linalg.norm(ab))
        if length < 1:
            return None
        rel = points - a
        t = rel @ ab / (length * length)
        dist = np.abs(rel[:, 0] * ab[1] - rel[:, 1] * ab[0]) / length
        near = points[(t > 0.1) & (t < 0.9) & (dist < 0.03 * length + 2)]
        if len(near) < 5:
            return quad
        vx, vy, x0, y0 = cv2.fitLine(near, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
        lines.append((np.array([x0, y0]), np.array([vx, vy])))
    out = []
    for i in range(4):
        (p, u), (q, v) = lines[i - 1], lines[i]
        m = np.array([u, -v]).T
        if abs(np.linalg.det(m)) < 1e-6:
            return quad
        s, _ = np.linalg.solve(m, q - p)
        out.append(p + s * u)
    refined = np.array(out, np.float32)
    if np.abs(refined - quad).max() > 0.1 * max(_sides(quad)):
        return quad  # a bad fit: keep the polygon's corners
    return refined


def order_corners(pts: np.ndarray) -> np.ndarray:
    """Corners in the order top-left, top-right, bottom-right, bottom-left (clockwise in
    image coordinates), starting at the one nearest the frame's top-left."""
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen (y grows down)
    start = int(np.argmin(pts[:, 0] + pts[:, 1]))
    return np.roll(pts, -start, axis=0)


def _straight_sides(quad: np.ndarray, points: np.ndarray) -> bool:
    """The outline runs along the quadrilateral's sides: at least three sides are followed
    by outline points over 80 % of their length, none under 40 % (two overlapping papers
    make a jagged side that a four-corner fit only cuts across)."""
    covered = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        ab = b - a
        length = float(np.linalg.norm(ab))
        rel = points - a
        t = rel @ ab / (length * length)
        dist = np.abs(rel[:, 0] * ab[1] - rel[:, 1] * ab[0]) / length
        on = t[(t > 0.05) & (t < 0.95) & (dist < max(2.0, 0.015 * length))]
        bins = np.unique(((on - 0.05) / 0.9 * 45).astype(int).clip(0, 44))
        covered.append(len(bins) / 45)
    covered.sort()
    return covered[0] >= 0.4 and covered[1] >= 0.8


def _sides(quad: np.ndarray) -> np.ndarray:
    return np.linalg.norm(quad - np.roll(quad, -1, axis=0), axis=1)


def _plausible(quad: np.ndarray, frame_area: float, min_area: float) -> bool:
    area = cv2.contourArea(quad)
    if not min_area * frame_area <= area <= MAX_AREA * frame_area:
        return False
    if not cv2.isContourConvex(quad.reshape(-1, 1, 2)):
        return False
    for i in range(4):
        a, b, c = quad[i - 1], quad[i], quad[(i + 1) % 4]
        u, v = a - b, c - b
        cos = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
        if abs(cos) > 0.5:  # corner angle outside 60..120 degrees
            return False
    width, height = _rect_size(quad)
    aspect = min(width, height) / max(width, height)
    return 0.5 <= aspect <= 0.85


def _rect_size(quad: np.ndarray) -> tuple[float, float]:
    sides = _sides(quad)
    return max(sides[0], sides[2]), max(sides[1], sides[3])


def _edge_score(grey: np.ndarray, quad: np.ndarray) -> float | None:
    """Median paper-minus-surround brightness across the sides, or None when fewer than
    three sides show a sharp darker surround (sides on the frame edge do not count against)."""
    good = bad = 0
    contrasts = []
    for side in _side_contrasts(grey, quad):
        if side is None:
            continue  # the side runs along or out of the frame
        contrast = float(np.median(side))
        contrasts.append(contrast)
        if contrast >= EDGE_CONTRAST:
            good += 1
        elif contrast < -EDGE_CONTRAST:
            bad += 1
    if good < 3 or bad:
        return None
    return float(np.median(contrasts))


def _every_side(grey: np.ndarray, quad: np.ndarray) -> bool:
    """Every side inside the frame has a sharp darker surround."""
    return all(float(np.median(side)) >= EDGE_CONTRAST
               for side in _side_contrasts(grey, quad) if side is not None)


def _edge_share(grey: np.ndarray, quad: np.ndarray) -> float:
    """The least share, over the sides inside the frame, of points along a side that have
    a sharp darker surround: a side drawn across another paper has none along that part."""
    shares = [float((side >= EDGE_CONTRAST).mean())
              for side in _side_contrasts(grey, quad) if side is not None]
    return min(shares, default=0.0)


def _side_contrasts(grey: np.ndarray, quad: np.ndarray) -> list[np.ndarray | None]:
    """Per side, paper-minus-surround brightness at points along it (inside minus outside,
    a little off the side), or None for a side that runs along or out of the frame."""
    h, w = grey.shape
    d = max(3.0, 0.015 * max(h, w))
    centre = quad.mean(axis=0)
    sides: list[np.ndarray | None] = []
    for i in range(4):
        a, b = quad[i], quad[(i + 1) % 4]
        t = np.linspace(0.15, 0.85, 24)[:, None]
        pts = a + t * (b - a)
        normal = np.array([-(b - a)[1], (b - a)[0]], np.float32)
        normal /= np.linalg.norm(normal) + 1e-9
        if np.dot(centre - (a + b) / 2, normal) < 0:
            normal = -normal  # point inwards
        inside, outside = pts + normal * d, pts - normal * d
        ok = (outside[:, 0] >= 0) & (outside[:, 0] < w) & (outside[:, 1] >= 0) & \
             (outside[:, 1] < h)
        if ok.mean() < 0.5:
            sides.append(None)
            continue
        sides.append(_sample(grey, inside[ok]) - _sample(grey, outside[ok]))
    return sides


def _sample(grey: np.ndarray, pts: np.ndarray) -> np.ndarray:
    x = np.clip(pts[:, 0].round().astype(int), 0, grey.shape[1] - 1)
    y = np.clip(pts[:, 1].round().astype(int), 0, grey.shape[0] - 1)
    return grey[y, x].astype(np.float32)


# -- rectifying ------------------------------------------------------------------------------

def rectify(loaded: LoadedPage, quad: np.ndarray) -> tuple[LoadedPage, str]:
    """Warp the paper inside ``quad`` to a rectangle; its resolution follows from the paper's
    physical size: a card when the rectified aspect is a card's (85.6 x 54 mm), else A4."""
    width, height = _rect_size(quad)
    aspect = min(width, height) / max(width, height)
    kind = "card" if aspect < (CARD_ASPECT + A4_ASPECT) / 2 else "sheet"
    long_mm = CARD_MM[0] if kind == "card" else A4_MM[1]
    # keep the detail of the nearer (larger) side; settle the aspect on the paper's own
    paper_aspect = CARD_ASPECT if kind == "card" else A4_ASPECT
    if width >= height:
        out_w = round(width)
        out_h = round(width * paper_aspect)
    else:
        out_h = round(height)
        out_w = round(height * paper_aspect)
    dst = np.array([[0, 0], [out_w - 1, 0], [out_w - 1, out_h - 1], [0, out_h - 1]],
                   np.float32)
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    warped = cv2.warpPerspective(loaded.image, m, (out_w, out_h), flags=cv2.INTER_CUBIC,
                                 borderMode=cv2.BORDER_REPLICATE)
    dx, dy = round(INSET * out_w), round(INSET * out_h)
    warped = np.ascontiguousarray(warped[dy:out_h - dy, dx:out_w - dx])
    dpi = max(out_w, out_h) / (long_mm / 25.4)
    return LoadedPage(warped, float(dpi), loaded.colour), kind


# -- a photo whose paper fills the frame ----------------------------------------------------------

def _frame_filling_photo(small: np.ndarray, hints: CaptureHints) -> bool:
    """No outline, but a camera's picture of paper: the paper's tone is well below white and
    uneven (room light, not a scanner lamp), and the file has no scanner resolution. Scans,
    screenshots and born-digital pages have a white background (median ≥ 230 in our
    development set, one-level spread) or a scanner's resolution tag."""
    if hints.scanner_dpi:
        return False
    grey = clean.to_grey(small)
    background = cv2.medianBlur(cv2.morphologyEx(grey, cv2.MORPH_CLOSE, np.ones((7, 7),
                                                                                np.uint8)), 5)
    p5, p50, p95 = np.percentile(background, (5, 50, 95))
    return bool(p50 < 215 and p95 - p5 >= 15)


# -- colours -----------------------------------------------------------------------------------

LIGHT = 0.47  # a pixel darker than this share of the paper's brightness is print, whatever
# its colour (110 grey levels on paper at 235; a dim room's paper at 120 keeps its pattern
# lines, darker than 110 there, faded)
INK_CHANNEL = 0.55  # darkest channel under this share of the paper's brightness: printed ink
GLARE_WINDOW_MM = 6.0  # the print's local contrast is judged over a few text lines
GLARE_FLOOR = 36  # ink depth (grey levels) below which a window holds no print to restore
GLARE_MAX_GAIN = 4.0


def grey_for_ocr(image: np.ndarray, dpi: float) -> np.ndarray:
    """Grey for a photo: light coloured pixels (guilloche lines, a seal's red, a glare's
    tint) take their brightest channel, so they fade towards paper, while print keeps its
    luminance: dark pixels, and saturated ink whose darkest channel is far below the paper
    (a red title or serial, blue ink), which the brightest channel would hollow out. Red
    seals are whitened as on scans (:func:`clean.grey_without_seals`); then print that a
    glare washed out is given back its contrast (:func:`restore_contrast`)."""
    grey = clean.grey_without_seals(image, dpi)
    if image.ndim == 2:
        return restore_contrast(grey, dpi)
    brightest = image.max(axis=2)
    darkest = image.min(axis=2)
    paper = _paper_level(brightest, dpi)
    ink = (grey < LIGHT * paper) | (darkest.astype(np.float32) < INK_CHANNEL * paper)
    faded = np.where(ink, grey, np.maximum(grey, brightest)).astype(np.uint8)
    return restore_contrast(faded, dpi)


def _paper_level(channel: np.ndarray, dpi: float) -> np.ndarray:
    """The paper's local brightness (float32, full size): a closing wider than strokes and
    a median, on a ~50-dpi copy, as :func:`clean.normalize_background` does."""
    factor = max(1, round(dpi / 50))
    h, w = channel.shape
    small = cv2.resize(channel, (max(1, w // factor), max(1, h // factor)),
                       interpolation=cv2.INTER_AREA)
    small = cv2.morphologyEx(small, cv2.MORPH_CLOSE,
                             cv2.getStructuringElement(cv2.MORPH_RECT, (9, 9)))
    small = cv2.medianBlur(small, 9)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)


def restore_contrast(grey: np.ndarray, dpi: float) -> np.ndarray:
    """Print under a glare is lighter, not gone: where the deepest ink of a window a few
    text lines wide is shallower than the page's usual print, deepen that window's ink
    depth (paper minus pixel) by the ratio, at most :data:`GLARE_MAX_GAIN` times. Windows
    whose ink is shallower than :data:`GLARE_FLOOR` (blank paper, a faded pattern, a
    glare that left nothing) are left alone, so paper grain is not raised into print."""
    paper = _paper_level(grey, dpi)
    depth = np.clip(paper - grey.astype(np.float32), 0, 255)
    factor = max(1, round(dpi / 50))
    h, w = grey.shape
    small = cv2.resize(depth, (max(1, w // factor), max(1, h // factor)),
                       interpolation=cv2.INTER_AREA)
    # the window's deepest ink, at ~50 dpi (area-averaging keeps strokes ~half their depth)
    k = max(3, round(GLARE_WINDOW_MM / 25.4 * dpi / factor)) | 1
    local = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    local = cv2.GaussianBlur(local, (0, 0), k / 2)
    printed = local[local >= GLARE_FLOOR]
    if printed.size < 0.05 * local.size:
        return grey
    usual = float(np.percentile(printed, 75))
    gain = np.where(local >= GLARE_FLOOR, usual / np.maximum(local, 1), 1.0)
    gain = np.clip(gain, 1.0, GLARE_MAX_GAIN).astype(np.float32)
    if float(gain.max()) < 1.15:
        return grey
    gain = cv2.resize(gain, (w, h), interpolation=cv2.INTER_LINEAR)
    # paper grain and JPEG ripple sit a few levels deep everywhere: only what lies deeper
    # is deepened, or the paper round the print would grey over
    grain = max(6.0, 2.0 * float(np.median(depth)))
    out = paper - depth - (gain - 1.0) * np.maximum(depth - grain, 0)
    return np.clip(out, 0, 255).astype(np.uint8)


SHARPEN_FROM = 1.8  # an OCR copy enlarged more than this from the photo's paper is sharpened...
SHARPEN_SLOPE = 1.5  # ...the more the more it was enlarged (full strength from 2.5x up)


def sharpen_enlarged(image: np.ndarray, scale: float) -> np.ndarray:
    """A low-resolution photo's OCR copy, enlarged ``scale`` times to the OCR resolution:
    the camera's blur and the enlargement leave strokes soft and tight lines touching.
    An unsharp mask over the enlargement's blur width gives the strokes their edges
    back. Measured on generated photos of 115-170 dpi (pooled line CER 4.0 % -> 2.6-2.9 %
    with a fixed strength of 0.5-1); from ~165 dpi up it raised guilloche lines more
    than it helped print, so it is not done there. Only for a rectified paper, whose
    resolution follows from its real size: a frame kept whole has a guessed one (the
    real phone photo of the development set, a crop, read worse sharpened)."""
    amount = min(1.0, SHARPEN_SLOPE * (scale - SHARPEN_FROM))
    if amount <= 0:
        return image
    blurred = cv2.GaussianBlur(image, (0, 0), 0.8 * scale)
    return cv2.addWeighted(image, 1.0 + amount, blurred, -amount, 0)
