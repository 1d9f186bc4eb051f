/** Which files get indexed, how they are read, and which paths may be touched at all. */
export { ALWAYS_EXCLUDED_NAMES, DEFAULT_EXCLUDES } from './default-excludes.js';
export {
  createIgnoreMatcher,
  GIT_INFO_EXCLUDE,
  IGNORE_FILE_NAMES,
  type IgnoreMatcher,
  type IgnoreMatcherOptions,
} from './ignore-rules.js';
export {
  type AllowedPath,
  findRootFor,
  isInside,
  outsideRootsError,
  type PathExpectation,
  resolveAllowedPath,
  resolveCommandDirectory,
  toRelative,
} from './paths.js';
export {
  BINARY_SNIFF_BYTES,
  decodeSource,
  type ReadSourceOptions,
  type ReadSourceResult,
  readSourceFile,
  readSourceFileSync,
  type SourceSkip,
  type SourceText,
} from './read-source.js';
export {
  type ScannedFile,
  type ScanOptions,
  type ScanResult,
  type SkippedFile,
  scanRepository,
} from './scan.js';
