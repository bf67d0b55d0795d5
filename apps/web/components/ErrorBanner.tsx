/** The one place a page shows what went wrong, in words the services chose for the user. */
export function ErrorBanner({ error }: { error?: string }) {
  if (!error) return null;
  return (
    <p className="error" role="alert" data-testid="error">
      {error}
    </p>
  );
}
