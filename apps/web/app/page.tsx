import { loadConfig } from '@tooncast/shared';
import { OwnerApp } from '../components/OwnerApp.tsx';

export const dynamic = 'force-dynamic';

export default function Home() {
  const { sfuPort, publishBitrate, frameSize } = loadConfig().live;
  return <OwnerApp service={{ sfuPort, publishBitrate, frameSize }} />;
}
