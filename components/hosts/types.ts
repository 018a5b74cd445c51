import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';

type Out = inferRouterOutputs<AppRouter>['hosts'];
export type HostView = Out['list'][number];
export type HostTestView = Out['test'];
