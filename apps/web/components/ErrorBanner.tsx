/**
 * The one place a page shows what went wrong, in words the services chose for the user. Always in the markup,
 * hidden while there is nothing to say: the watch page's script fills in the same element.
 */
export function ErrorBanner({ error }: { error?: string }) {
  return (
    <p className="error" role="alert" data-testid="error" hidden={!error}>
      {error}
    </p>
  );
}
