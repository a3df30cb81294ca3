export * from './provider.ts';
export { type SimulatedProviderOptions, simulatedProvider } from './simulated.ts';
