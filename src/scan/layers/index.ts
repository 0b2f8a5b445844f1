export { readImageFiles } from "./read.js";
export { layersSize, registryLayers } from "./registry.js";
export { compressionOf, createZstdDecompress, isLayerMediaType } from "./decompress.js";
export { normalizePath, whiteoutOf } from "./paths.js";
export * from "./types.js";
