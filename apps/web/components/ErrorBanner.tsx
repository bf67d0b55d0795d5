/**
 * The one place a page shows what went wrong, in words the services chose for the user. Without an error it renders
 * nothing, or with `placeholder` an empty hidden banner that the page's own script fills in (the watch page).
 */
export function ErrorBanner({ error, placeholder }: { error?: string; placeholder?: boolean }) {
  if (!error && !placeholder) return null;
  return (
    <p className="error" role="alert" data-testid="error" hidden={!error}>
      {error}
    </p>
  );
}
