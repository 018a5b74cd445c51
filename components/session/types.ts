import type { inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@/server/api/root';

type Outputs = inferRouterOutputs<AppRouter>;
export type SessionDetailView = Outputs['sessions']['byId'];
export type StepView = SessionDetailView['steps'][number];
export type PhaseView = StepView['phases'][number];
