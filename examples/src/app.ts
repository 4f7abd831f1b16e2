// Entry module of the example app: importing it declares every endpoint and registers the
// classes and errors that cross the wire. `switchyard build|dev|serve --entry` load this file.
import 'reflect-metadata';
import { registerClass, registerError } from '@switchyard/core';
import { InvalidImageError } from './endpoints/errors';
import { ReportSection } from './endpoints/report';

export { ImageProcessor } from './endpoints/image';
export { ReportService, ReportSection } from './endpoints/report';
export { Orchestrator, OrderRequest, makeImage } from './endpoints/orchestrator';
export { InvalidImageError } from './endpoints/errors';

registerClass(ReportSection);
registerError(InvalidImageError);
