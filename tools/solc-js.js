#!/usr/bin/env node
// Makes solc-js (npm `solc`, the same compiler compiled to wasm) answer like a
// native solc for py-solc-x and ape-solidity:
//   solc --version
//   solc --standard-json [--base-path P] [--include-path P]... [--allow-paths ...] < input.json
// Only JSON goes to stdout; the exit code is 0 even when the sources do not
// compile (errors are in the JSON), as with the native binary.
"use strict";
const fs = require("fs");
const path = require("path");

function loadSolc() {
  // Resolve `solc` from the project's node_modules, wherever this file is called from.
  const projectRoot = path.resolve(__dirname, "..");
  return require(require.resolve("solc", { paths: [projectRoot] }));
}

function parseArgs(argv) {
  const opts = { basePath: null, includePaths: [], standardJson: false, version: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const takeValue = () => {
      if (arg.includes("=")) return arg.slice(arg.indexOf("=") + 1);
      i += 1;
      return argv[i];
    };
    if (arg === "--version" || arg === "-v") opts.version = true;
    else if (arg === "--help" || arg === "-h") opts.help = true;
    else if (arg === "--standard-json") opts.standardJson = true;
    else if (arg.startsWith("--base-path")) opts.basePath = takeValue();
    else if (arg.startsWith("--include-path")) opts.includePaths.push(takeValue());
    else if (arg.startsWith("--allow-paths")) takeValue();
    else if (arg === "-") continue;
    else if (!arg.startsWith("-")) continue; // import remappings and stray operands: carried by the JSON input
    else {
      process.stderr.write(`solc-js shim: unsupported option ${arg}\n`);
      process.exit(1);
    }
  }
  return opts;
}

function makeImportCallback(roots) {
  return (importPath) => {
    for (const root of roots) {
      const candidate = path.resolve(root, importPath);
      if (fs.existsSync(candidate) && fs.statSync(candidate).isFile()) {
        return { contents: fs.readFileSync(candidate, "utf8") };
      }
    }
    return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const solc = loadSolc();
  if (opts.version) {
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (opts.help || !opts.standardJson) {
    process.stdout.write("Usage: solc --standard-json [--base-path P] [--include-path P] < input.json\n");
    process.stdout.write("       solc --version\n");
    return;
  }
  const input = fs.readFileSync(0, "utf8");
  const roots = [opts.basePath || process.cwd(), ...opts.includePaths];
  const output = solc.compile(input, { import: makeImportCallback(roots) });
  process.stdout.write(output);
}

main();
