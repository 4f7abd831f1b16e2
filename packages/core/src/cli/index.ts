export { main } from './main';
export type { CliIo } from './io';
