// The shapes the JS API takes and returns, written by hand: wasm-bindgen's generated
// declarations name these types for every options parameter and every object result
// (`unchecked_param_type` / `unchecked_return_type` in src/wasm/), so callers get them
// instead of `any`. The report's JSON Schema is specs/report.schema.json; keep both in step
// (tests/npm/ type-checks an example against them).

/** A Windows processor architecture the media carries drivers for. */
export type Arch = "x86" | "amd64" | "arm64";

/** A size or count limit: a number (bytes or items), or the command line's text ("512M"). */
export type LimitValue = number | string;

/**
 * Options of `validate`, `build`, `prepare`, `makeSpec` and of opening a bundle; every field
 * is optional and defaults as on the command line. Unknown keys are an error.
 */
export interface Options {
  /** A shipped spec's file name (`shippedSpecs()`), or the name shown for `specText`. Default: `constants().defaultSpec`. */
  spec?: string;
  /** A spec's JSON text (a file the user chose); `spec` then only names it. */
  specText?: string;
  /** A shipped device contract's name, or the name shown for `contractText`. */
  contract?: string;
  /** A device contract's JSON text. */
  contractText?: string;
  /** `test` (default), `production` or `none` (and the command line's other spellings):
   * which driver signatures the media may carry. */
  signingPolicy?: "test" | "testsigning" | "test-signing" | "production" | "prod" | "whql" | "none"
    | "nointegritychecks" | "no-integrity-checks";
  /** Package name in manifest.json and the output file names. */
  name?: string;
  /** Package version in manifest.json and the output file names. */
  version?: string;
  /** Build id in manifest.json. */
  buildId?: string;
  /** ISO volume label (at most 32 characters of A-Z, 0-9, `_`); default from the name. */
  volumeId?: string;
  /** Seconds since 1970-01-01 UTC stamped on every file and the ISO; default 0. */
  sourceDateEpoch?: number;
  /** Deflate level of the zip, 0 (store) to 9; default 6. */
  zipLevel?: number;
  /**
   * The OS folders to take from an input with several (virtio-win `<driver>/<os>/<arch>`):
   * one name, or a list for one medium holding each (`["w7", "w10", "2k22"]`, also as the
   * command line's comma string `"w7,w10,2k22"`).
   */
  os?: string | string[];
  /** Windows versions every catalog must cover (`constants().windowsNames`), as `--target-os`. */
  targetOs?: string[];
  /** Package INFs whose catalog holds only their CRLF form with CRLF line endings. */
  restoreCrlf?: boolean;
  /** Files and folders in one input tree. Default 100000. */
  maxEntries?: LimitValue;
  /** All file sizes of one input tree added up, uncompressed, in bytes. Default 16G. */
  maxTotalSize?: LimitValue;
  /** Any single input file, uncompressed, in bytes. Default 4G. */
  maxFileSize?: LimitValue;
  /** Components of any input path. Default 64. */
  maxPathDepth?: LimitValue;
  /** Compiled size of one spec regex, in bytes. Default 1M. */
  maxRegexSize?: LimitValue;
  /** An INF or devices.cmd read whole, in bytes. Default 8M. */
  maxInfSize?: LimitValue;
  /** Uncompressed : compressed ratio of a deflated zip entry. Default 1000. */
  maxRatio?: LimitValue;
}

/** One problem or note. Errors refuse the build; warnings and notes do not. */
export interface Finding {
  /** Stable code (`INF002`, `CAT003`, `LAY004`, ...), documented in the README. */
  code: string;
  severity: "error" | "warning" | "info";
  /** The file (as on the media where it has a place there), or null. */
  path: string | null;
  /** 1-based line in `path`, or null. */
  line: number | null;
  message: string;
  /** How to fix it, or null. */
  help: string | null;
  /** When the fix is a choice among known values: the option to set and the values. */
  choice: { option: string; values: string[] } | null;
}

/** Who signed a catalog. */
export interface Signer {
  commonName: string | null;
  organization: string | null;
  subject: string | null;
  /** SHA-1 thumbprint of the signing certificate, hex. */
  thumbprint: string | null;
  kind: "microsoft-whql" | "microsoft-attestation" | "microsoft" | "cross-signed" | "test" | "unknown";
  /** The signature and every link of the chain verified. */
  verified: boolean;
  problem: string | null;
  digests: Array<"sha1" | "sha256" | "sha384">;
  chain: Array<{ subject: string; thumbprint: string; selfSigned: boolean }>;
  chainEnd: "microsoft-root" | "cross-signed" | "root" | "issuer-missing" | "broken" | null;
  chainEndName: string | null;
  /** RFC 3339 time the signer claims, or null. */
  signingTime: string | null;
  timestamp: { signer: string | null; time: string | null } | null;
}

/** The catalog an INF names and what was found in it. */
export interface CatalogRow {
  inf: string;
  catalog: string;
  readable: boolean;
  algorithms: Array<"sha1" | "sha256">;
  /** NT versions (`6.1`, `10.0`) every member covers. */
  windows: string[];
  /** The catalog's `OS` attribute, or null. */
  os: string | null;
  /** Files of the package looked up in the catalog, and how many were found. */
  checked: number;
  matched: number;
  /** INFs packaged in their CRLF form (`restoreCrlf`). */
  repaired: string[];
  signer: Signer | null;
}

/** One driver on one architecture (and OS folder, on media for several Windows versions). */
export interface PackageRow {
  os: string | null;
  arch: Arch;
  driver: string;
  required: boolean;
  state: "present" | "missing" | "unlisted";
  /** Files packaged for it. */
  files: number;
  hwidsMatched: string[];
  infRefsOk: boolean;
  catalogs: CatalogRow[];
}

/** Each spec driver against each OS folder and architecture of the media. */
export interface Coverage {
  columns: Array<{ os: string | null; arch: Arch }>;
  rows: Array<{
    driver: string;
    required: boolean;
    /** One per column, same order. */
    cells: Array<"present" | "missing-required" | "missing-optional" | "not-checked">;
  }>;
}

/** How the driver input was read. */
export interface Layout {
  kind: "per-arch" | "virtio-win" | "flat";
  /** A folder everything sat in, or "". */
  root: string;
  /** The OS folder taken, on media for one Windows. */
  os: string | null;
  /** Every OS folder the input has. */
  oses: string[];
  /** The OS folders on media for several Windows versions. */
  osFolders: Array<{ name: string; from: string; ntVersion: string }>;
  drivers: Array<{ os: string | null; arch: Arch; driver: string; source: string; files: string[] }>;
}

/** One tool of the spec (or a tool folder it does not list) and its installers. */
export interface ToolRow {
  /** Folder name under `tools/` on the media. */
  name: string;
  required: boolean;
  state: "present" | "missing" | "unlisted";
  /** The input folder its files came from (`tools/qemu-ga`, `guest-agent`), or null. */
  source: string | null;
  /** Input paths of its files. */
  files: string[];
  installers: Array<{
    arch: Arch | "all";
    /** Media path, `tools/<name>/<file>`. */
    path: string;
    kind: "msi" | "exe" | "cmd";
    present: boolean;
    /** Present and what it claims: an MSI for the architecture, a program that runs on it. */
    ok: boolean;
    /** An MSI's product code, what uninstall.cmd removes it by. */
    productCode: string | null;
    productName: string | null;
    productVersion: string | null;
  }>;
}

/** The one report shape: the CLI's `--report`, the page's findings download, this API. */
export interface Report {
  /** No error: the media may be built. */
  accepted: boolean;
  errors: number;
  warnings: number;
  findings: Finding[];
  packages: PackageRow[];
  coverage: Coverage;
  layout: Layout;
  /** The spec's tools, then tool folders it does not list. */
  tools: ToolRow[];
}

/** `makeSpec`'s result: the spec's JSON text, or null with findings saying why. */
export interface MadeSpec {
  spec: string | null;
  findings: Finding[];
}

/** `verify`'s result: media checked against a manifest. */
export interface VerifyResult {
  ok: boolean;
  package: string;
  version: string;
  /** Files the manifest lists, and how many matched. */
  listed: number;
  matched: number;
  missing: string[];
  changed: Array<{
    path: string;
    expectedSize: number;
    expectedSha256: string;
    actualSize: number;
    /** null when the file could not be read to the end (`error` says why). */
    actualSha256: string | null;
    error: string | null;
  }>;
  extra: string[];
}

/** Values scripts must not copy from the core. */
export interface Constants {
  defaultSpec: string;
  /** Bytes of one shared-build digest record. */
  digestRecord: number;
  /** Owner byte of a file no worker kept. */
  noOwner: number;
  /** The Windows names `targetOs` and `os` take. */
  windowsNames: string[];
}

/** Every shipped spec with its own words and JSON, and the spec JSON Schema's text. */
export interface SpecDetails {
  specs: Array<{ name: string; title: string | null; description: string | null; text: string }>;
  schema: string;
}

/** The name of one output of a build. */
export type OutputKey = "iso" | "zip" | "manifest";
