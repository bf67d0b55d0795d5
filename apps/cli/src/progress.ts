/** A one-line progress bar on stderr (a TTY), or a line every 10 % when stderr is a log. */
export class Progress {
  private lastDecile = -1;
  private readonly started = performance.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, note = ''): void {
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 0;
    const fps = done / Math.max(1e-3, (performance.now() - this.started) / 1000);
    const text = `${this.label} ${done}/${this.total} frames ${(frac * 100).toFixed(0)}% ${fps.toFixed(1)} fps ${note}`;
    if (this.stream.isTTY) {
      const width = 30;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      this.stream.write(`\r[${bar}] ${text}\x1b[K`);
    } else if (Math.floor(frac * 10) > this.lastDecile) {
      this.lastDecile = Math.floor(frac * 10);
      this.stream.write(`${text}\n`);
    }
  }

  done(): void {
    if (this.stream.isTTY) this.stream.write('\n');
  }
}
