import { loadConfig } from '@tooncast/shared';
import { OwnerApp } from '../components/OwnerApp.tsx';

export const dynamic = 'force-dynamic';

export default function Home() {
  return <OwnerApp sfuPort={loadConfig().live.sfuPort} />;
}
