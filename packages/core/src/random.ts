/**
 * Seeded random numbers.
 * @module
 */
/** @category Random */
export class Generator {}
