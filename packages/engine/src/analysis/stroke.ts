/**
 * Anti-aliased thick line segments: calls `plot(pixelIndex, coverage)` for every pixel the stroke touches, so one
 * rasterizer serves both the contour-figure tensor and debug drawings over frames.
 */
export function strokeSegment(
  width: number,
  height: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  halfWidth: number,
  plot: (index: number, coverage: number) => void,
): void {
  const pad = halfWidth + 1;
  const minX = Math.max(0, Math.floor(Math.min(x0, x1) - pad));
  const maxX = Math.min(width - 1, Math.ceil(Math.max(x0, x1) + pad));
  const minY = Math.max(0, Math.floor(Math.min(y0, y1) - pad));
  const maxY = Math.min(height - 1, Math.ceil(Math.max(y0, y1) + pad));
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  for (let y = minY; y <= maxY; y++) {
    const py = y + 0.5;
    for (let x = minX; x <= maxX; x++) {
      const px = x + 0.5;
      const t = len2 > 0 ? Math.min(1, Math.max(0, ((px - x0) * dx + (py - y0) * dy) / len2)) : 0;
      const ex = px - (x0 + t * dx);
      const ey = py - (y0 + t * dy);
      const coverage = Math.min(1, halfWidth + 0.5 - Math.sqrt(ex * ex + ey * ey));
      if (coverage > 0) plot(y * width + x, coverage);
    }
  }
}
