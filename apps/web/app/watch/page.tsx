import { loadConfig } from '@tooncast/shared';
import { ViewerApp } from '../../components/ViewerApp.tsx';

export const dynamic = 'force-dynamic';

export default function Watch() {
  return <ViewerApp sfuPort={loadConfig().live.sfuPort} />;
}
