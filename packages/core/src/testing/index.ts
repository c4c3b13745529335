/**
 * The backend conformance suite (stub; being written).
 * @module
 */
export {};
