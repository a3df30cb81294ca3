export * from './provider.ts';
export * from './push-address.ts';
export { type SimulatedProviderOptions, simulatedProvider } from './simulated.ts';
