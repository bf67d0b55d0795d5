/**
 * Shown while a session waits for an inference worker: at its start, and while it moves to another worker (the one
 * it had stopped), when the picture pauses for a few seconds. The watch page renders it hidden and shows it itself.
 */
export function ConnectingNote({ hidden }: { hidden?: boolean }) {
  return (
    <p className="hint" data-testid="connecting" hidden={hidden}>
      Connecting to a personalization worker…
    </p>
  );
}
