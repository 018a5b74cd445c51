import { HostsView } from '@/components/hosts/HostsView';

export default function HostsPage() {
  return <HostsView />;
}
