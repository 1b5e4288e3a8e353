/**
 * What the logs say that the stack's alarms, metric filters and dashboard match on. A module of its own, without
 * Powertools, so that the CDK app takes these names without loading the functions' logging library.
 */
import { PRODUCT_NAME } from '../config/types';

/** Powertools' service name, on every log line and metric: the product's. */
export const SERVICE_NAME = PRODUCT_NAME;

/** The log line of a failed rotation; the stack's alarm counts lines with exactly this message. */
export const ROTATION_FAILED_MESSAGE = 'rotation failed';
