export { createDashboard, type Dashboard } from './server/dashboard.ts';
export { openApiDocument } from './server/openapi.ts';
export type { DashboardOptions } from './server/options.ts';
export type { Person } from './server/people.ts';
export { type RunningDashboard, type ServeOptions, serve } from './server/serve.ts';
