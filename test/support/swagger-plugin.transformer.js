// Applies the @nestjs/swagger CLI plugin under ts-jest, with the options of
// nest-cli.json, so that test-built apps document DTOs exactly as `nest build` does.
const plugin = require('@nestjs/swagger/plugin');
const nestCli = require('../../nest-cli.json');

const options = nestCli.compilerOptions.plugins.find((p) => p.name === '@nestjs/swagger').options;

module.exports = {
  name: 'nestjs-swagger-plugin',
  // ts-jest caches transformed files by this version: bump it when the options change.
  version: JSON.stringify(options),
  factory: (compiler) => plugin.before(options, compiler.program),
};
