import type { ReactNode } from 'react';
import './styles.css';

export const metadata = { title: 'Tooncast', description: 'Put yourself into a cartoon, live.' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header>
          <h1>Tooncast</h1>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
