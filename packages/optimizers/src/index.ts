/**
 * @backprop/optimizers: the `Optimizer` class with its update rules (SGD, Adam, AdamW,
 * RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Lion), learning-rate schedules and
 * gradient clipping. Importing it registers the kinds "optimizer" and "schedule".
 * @packageDocumentation
 */
export * from "./optimizer.js";
export * from "./sgd.js";
export * from "./adam.js";
export * from "./rmsprop.js";
export * from "./adagrad.js";
export * from "./adadelta.js";
export * from "./adamax.js";
export * from "./nadam.js";
export * from "./radam.js";
export * from "./lion.js";
export * from "./lrSchedule.js";
export * from "./schedules.js";
export * from "./clip.js";
