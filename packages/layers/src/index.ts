/**
 * @backprop/layers: Module, Parameter, containers, layers, initializers and saveModel/loadModel.
 * Every layer and initializer is registered here by a string-literal name, so saved models
 * find them again; register your own the same way: `register("layer", "acme/myLayer", MyLayer)`.
 * @packageDocumentation
 */
import { register } from "@backprop/core";
import { ModuleDict, ModuleList, Sequential } from "./containers.js";
import { Linear } from "./Linear.js";
import { Conv1d, Conv2d, ConvTranspose2d } from "./conv.js";
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from "./pooling.js";
import { Flatten, Identity, Reshape } from "./shaping.js";
import { Dropout } from "./Dropout.js";
import { BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm, RMSNorm } from "./normalization.js";
import { Embedding } from "./Embedding.js";
import { ELU, GELU, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Softplus, Tanh } from "./activations.js";
import {
  constantInit,
  kaimingNormal,
  kaimingUniform,
  normalInit,
  onesInit,
  orthogonal,
  truncatedNormalInit,
  uniformInit,
  xavierNormal,
  xavierUniform,
  zerosInit,
} from "./initializers.js";

export * from "./Module.js";
export * from "./Parameter.js";
export * from "./containers.js";
export * from "./Linear.js";
export * from "./conv.js";
export * from "./pooling.js";
export * from "./shaping.js";
export * from "./Dropout.js";
export * from "./normalization.js";
export * from "./Embedding.js";
export * from "./activations.js";
export * from "./initializers.js";
export * from "./limits.js";
export * from "./serialize.js";
export * from "./io.js";
export * from "./sequence/index.js";

register("layer", "sequential", Sequential);
register("layer", "moduleList", ModuleList);
register("layer", "moduleDict", ModuleDict);
register("layer", "linear", Linear);
register("layer", "conv1d", Conv1d);
register("layer", "conv2d", Conv2d);
register("layer", "convTranspose2d", ConvTranspose2d);
register("layer", "maxPool2d", MaxPool2d);
register("layer", "avgPool2d", AvgPool2d);
register("layer", "adaptiveAvgPool2d", AdaptiveAvgPool2d);
register("layer", "flatten", Flatten);
register("layer", "reshape", Reshape);
register("layer", "identity", Identity);
register("layer", "dropout", Dropout);
register("layer", "batchNorm1d", BatchNorm1d);
register("layer", "batchNorm2d", BatchNorm2d);
register("layer", "layerNorm", LayerNorm);
register("layer", "groupNorm", GroupNorm);
register("layer", "rmsNorm", RMSNorm);
register("layer", "embedding", Embedding);
register("layer", "relu", ReLU);
register("layer", "leakyRelu", LeakyReLU);
register("layer", "elu", ELU);
register("layer", "gelu", GELU);
register("layer", "silu", SiLU);
register("layer", "sigmoid", Sigmoid);
register("layer", "tanh", Tanh);
register("layer", "softplus", Softplus);
register("layer", "softmax", Softmax);
register("layer", "logSoftmax", LogSoftmax);

register("initializer", "zeros", zerosInit);
register("initializer", "ones", onesInit);
register("initializer", "constant", constantInit);
register("initializer", "uniform", uniformInit);
register("initializer", "normal", normalInit);
register("initializer", "truncatedNormal", truncatedNormalInit);
register("initializer", "xavierUniform", xavierUniform);
register("initializer", "xavierNormal", xavierNormal);
register("initializer", "kaimingUniform", kaimingUniform);
register("initializer", "kaimingNormal", kaimingNormal);
register("initializer", "orthogonal", orthogonal);
