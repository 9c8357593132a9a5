import type { ReactNode } from 'react';
import '@insforge/ai-react/styles.css';

export const metadata = { title: 'Consumer app (Next.js)' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
