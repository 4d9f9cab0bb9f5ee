#!/usr/bin/env bash
# Re-fetch the pinned GraphiQL assets served at /static/graphiql/<version>/ (offline IDE).
# Uses `npm pack` (the npm registry only), keeps the files byte-identical to the packages,
# with each package's LICENSE. Bump the versions here and GRAPHIQL_VERSION in
# src/c2c_api/graphql/ide.py together; the version is part of the URL (immutable caching).
set -euo pipefail

GRAPHIQL_VERSION=3.8.3
REACT_VERSION=18.2.0   # GraphiQL 3 ships a UMD build that needs React 18's UMD builds (19 has none)

root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/src/c2c_api/static/graphiql/$GRAPHIQL_VERSION"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null
for pkg in "graphiql-$GRAPHIQL_VERSION" "react-$REACT_VERSION" "react-dom-$REACT_VERSION"; do
  mkdir -p "${pkg%-*}"
  tar -xzf "$pkg.tgz" -C "${pkg%-*}" --strip-components=1
done

rm -rf "$dest"
mkdir -p "$dest"
cp graphiql/graphiql.min.js graphiql/graphiql.min.css "$dest/"
cp graphiql/LICENSE "$dest/LICENSE.graphiql"
cp react/umd/react.production.min.js "$dest/"
cp react/LICENSE "$dest/LICENSE.react"
cp react-dom/umd/react-dom.production.min.js "$dest/"
cp react-dom/LICENSE "$dest/LICENSE.react-dom"
cat > "$dest/VERSIONS" <<VERSIONS
graphiql $GRAPHIQL_VERSION (graphiql.min.js, graphiql.min.css; MIT, LICENSE.graphiql)
react $REACT_VERSION (umd/react.production.min.js; MIT, LICENSE.react)
react-dom $REACT_VERSION (umd/react-dom.production.min.js; MIT, LICENSE.react-dom)
Fetched from the npm registry by scripts/vendor-graphiql.sh; files unmodified.
VERSIONS
echo "vendored into ${dest#"$root"/}:"
ls -l "$dest"
