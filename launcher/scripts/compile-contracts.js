// Compiles launcher/contracts/*.sol with solc-js (the compiler from npm, no download) into
// dist/contracts/<Name>.json ({ abi, bytecode, sourceHash }). Part of the launcher's build; a
// contract whose source has not changed since its artifact was made is not compiled again.
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const sourceDir = path.join(root, 'contracts');
const outDir = path.join(root, 'dist', 'contracts');

function main() {
  fs.mkdirSync(outDir, { recursive: true });
  for (const file of fs.readdirSync(sourceDir).filter((name) => name.endsWith('.sol'))) {
    const source = fs.readFileSync(path.join(sourceDir, file), 'utf8');
    const contractName = path.basename(file, '.sol');
    const target = path.join(outDir, `${contractName}.json`);
    const sourceHash = crypto.createHash('sha256').update(source).digest('hex');
    try {
      if (JSON.parse(fs.readFileSync(target, 'utf8')).sourceHash === sourceHash) continue;
    } catch {
      // no artifact yet
    }
    // Loaded only when something needs compiling: solc-js takes a few seconds to start.
    const solc = require('solc');
    const input = {
      language: 'Solidity',
      sources: { [file]: { content: source } },
      settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: 'paris', outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
    };
    const output = JSON.parse(solc.compile(JSON.stringify(input)));
    const errors = (output.errors ?? []).filter((error) => error.severity === 'error');
    if (errors.length > 0) throw new Error(`${file} does not compile:\n${errors.map((error) => error.formattedMessage).join('\n')}`);
    const compiled = output.contracts[file][contractName];
    const artifact = { contractName, compiler: solc.version(), sourceHash, abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}` };
    fs.writeFileSync(target, `${JSON.stringify(artifact)}\n`);
    console.log(`compiled ${file} with solc ${solc.version()}`);
  }
}

main();
