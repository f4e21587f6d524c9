"""Install the browser assets the Solara dashboard needs, so it works offline.

Solara's page loads its front end (Vue/Vuetify bundle, RequireJS, Font Awesome,
the grid layout used by Mesa's SolaraViz, and Vega for Altair charts) from
``/_solara/cdn/<package>@<version>/<file>`` on the Solara server itself.  The
server answers those URLs from its cache directory,
``solara.server.settings.assets.proxy_cache_dir`` (by default
``<sys.prefix>/share/solara/cdn``, overridable with the environment variable
``SOLARA_ASSETS_PROXY_CACHE_DIR``), and only on a cache miss fetches the file
from a public CDN at run time.  Without network access that fetch fails and
the page stays blank.

This module fills the cache ahead of time from the npm registry with
``npm pack``: every package in :data:`CDN_PACKAGES` is unpacked into
``<cache dir>/<url prefix>/``, exactly the layout Solara reads.  Run it once
after installing the ``dashboard`` extra::

    ceasefire-sim-install-dashboard-assets      # or: python -m sim.dashboard_assets

It is idempotent: a package already installed completely is skipped.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CDN_PACKAGES", "CdnPackage", "cdn_dir", "check", "install", "main"]


@dataclass(frozen=True)
class CdnPackage:
    """One npm package that Solara's page requests under ``/_solara/cdn/``.

    Attributes:
        url_prefix: First path part(s) of the URLs Solara requests, which is also
            the directory name inside the cache directory (e.g. ``requirejs@2.3.6``;
            ``vega@5`` for Solara's Vega-Lite widget, which asks for a version range).
        npm_spec: Exact ``name@version`` passed to ``npm pack``.
        probe: A file, relative to the package root, that Solara requests; used to
            verify the layout after unpacking.
    """

    url_prefix: str
    npm_spec: str
    probe: str


# The single place where versions are pinned.  The url prefixes are hard-coded in
# solara 1.64.1 (server/templates/solara.html.j2, server/settings.py,
# widgets/vue/gridlayout.vue, widgets/vue/vegalite.vue): bump them together with solara.
CDN_PACKAGES: tuple[CdnPackage, ...] = (
    CdnPackage(
        "@widgetti/solara-vuetify-app@10.1.1",
        "@widgetti/solara-vuetify-app@10.1.1",
        "dist/solara-vuetify-app8.min.js",
    ),
    CdnPackage("requirejs@2.3.6", "requirejs@2.3.6", "require.js"),
    CdnPackage("font-awesome@4.5.0", "font-awesome@4.5.0", "css/font-awesome.min.css"),
    CdnPackage(
        "@widgetti/vue-grid-layout@2.3.13-alpha.2",
        "@widgetti/vue-grid-layout@2.3.13-alpha.2",
        "dist/vue-grid-layout.umd.js",
    ),
    # Altair charts (solara.FigureAltair, Mesa's altair backend) load Vega from these.
    CdnPackage("vega@5", "vega@5.33.1", "build/vega.min.js"),
    CdnPackage("vega-lite@5", "vega-lite@5.23.0", "build/vega-lite.min.js"),
    CdnPackage("vega-embed@6", "vega-embed@6.29.0", "build/vega-embed.min.js"),
)

#: Written into a package directory once it is complete; holds the npm spec.
MARKER = ".ceasefire-sim-complete"


class AssetInstallError(RuntimeError):
    """Raised when an asset cannot be fetched or unpacked."""


def cdn_dir() -> Path:
    """Return the directory Solara serves ``/_solara/cdn/`` from.

    Uses Solara's own setting when Solara is installed, so the result follows
    ``SOLARA_ASSETS_PROXY_CACHE_DIR`` and Solara's user-base/``sys.prefix`` rule.
    """
    try:
        from solara.server import settings
    except ImportError:
        return Path(sys.prefix) / "share" / "solara" / "cdn"
    return Path(settings.assets.proxy_cache_dir)


def _is_complete(pkg: CdnPackage, root: Path) -> bool:
    target = root / pkg.url_prefix
    marker = target / MARKER
    try:
        recorded = marker.read_text(encoding="utf-8").strip()
    except OSError:
        return False
    return recorded == pkg.npm_spec and (target / pkg.probe).is_file()


def check(root: Path | None = None) -> list[Path]:
    """Return the asset directories that are missing or incomplete (empty if all is well).

    Args:
        root: Cache directory to inspect; defaults to :func:`cdn_dir`.
    """
    root = cdn_dir() if root is None else root
    return [root / pkg.url_prefix for pkg in CDN_PACKAGES if not _is_complete(pkg, root)]


def _npm_executable() -> str:
    npm = shutil.which("npm")
    if npm is None:
        raise AssetInstallError(
            "npm was not found on PATH. It is needed once to fetch the dashboard's browser assets "
            "from the npm registry: install Node.js/npm (e.g. `apt-get install -y npm`) and rerun "
            "`ceasefire-sim-install-dashboard-assets`."
        )
    return npm


def _npm_pack(npm: str, spec: str, dest: Path) -> Path:
    """Download the tarball of ``spec`` into ``dest`` with ``npm pack``; return its path."""
    cmd = [npm, "pack", spec, "--json", "--ignore-scripts", "--pack-destination", str(dest)]
    try:
        proc = subprocess.run(cmd, cwd=dest, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AssetInstallError(f"`{' '.join(cmd)}` failed: {exc}") from exc
    if proc.returncode != 0:
        raise AssetInstallError(
            f"`npm pack {spec}` failed (exit {proc.returncode}); is the npm registry reachable?\n"
            f"{proc.stderr.strip()}"
        )
    try:
        filename = json.loads(proc.stdout)[0]["filename"]
    except (ValueError, LookupError, TypeError) as exc:
        raise AssetInstallError(f"unexpected output from `npm pack {spec}`: {proc.stdout[:500]!r}") from exc
    tarball = dest / filename
    if not tarball.is_file():
        raise AssetInstallError(f"`npm pack {spec}` reported {filename}, but it was not written")
    return tarball


def _unpack(tarball: Path, dest: Path) -> None:
    """Extract the single top-level folder of an npm tarball (``package/``) into ``dest``."""
    staging = dest.with_name(dest.name + ".x")
    with tarfile.open(tarball, "r:gz") as tar:
        tar.extractall(staging, filter="data")
    tops = list(staging.iterdir())
    if len(tops) != 1 or not tops[0].is_dir():
        raise AssetInstallError(f"{tarball.name}: expected one top-level folder, found {[p.name for p in tops]}")
    tops[0].rename(dest)
    staging.rmdir()


def _install_one(npm: str, pkg: CdnPackage, root: Path, work: Path) -> None:
    """Fetch ``pkg`` and move it into ``root/pkg.url_prefix`` in one rename."""
    target = root / pkg.url_prefix
    target.parent.mkdir(parents=True, exist_ok=True)
    tarball = _npm_pack(npm, pkg.npm_spec, work)
    # Stage next to the target (same file system) so the final rename is atomic.
    stage_root = Path(tempfile.mkdtemp(prefix=".stage-", dir=target.parent))
    try:
        staged = stage_root / "pkg"
        _unpack(tarball, staged)
        if not (staged / pkg.probe).is_file():
            raise AssetInstallError(f"{pkg.npm_spec}: expected file {pkg.probe} is not in the package")
        (staged / MARKER).write_text(pkg.npm_spec + "\n", encoding="utf-8")
        if target.exists():
            # An incomplete or outdated folder (e.g. files Solara cached itself): swap it out.
            old = stage_root / "old"
            target.rename(old)
        try:
            staged.rename(target)
        except OSError:
            if _is_complete(pkg, root):  # another installer won the race
                return
            raise
    finally:
        shutil.rmtree(stage_root, ignore_errors=True)


def install(root: Path | None = None, *, force: bool = False, log=print) -> list[CdnPackage]:
    """Install every package of :data:`CDN_PACKAGES` that is missing; return those installed.

    Args:
        root: Cache directory; defaults to :func:`cdn_dir`.
        force: Reinstall even packages that are already complete.
        log: Called with one line of progress text per package.

    Raises:
        AssetInstallError: npm is missing, a fetch fails, or a package has an unexpected layout.
    """
    root = cdn_dir() if root is None else root
    todo = [pkg for pkg in CDN_PACKAGES if force or not _is_complete(pkg, root)]
    for pkg in CDN_PACKAGES:
        if pkg not in todo:
            log(f"ok        {root / pkg.url_prefix} (already installed)")
    if not todo:
        return []
    npm = _npm_executable()
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ceasefire-sim-npm-") as work:
        for pkg in todo:
            log(f"fetching  {pkg.npm_spec} (npm pack)")
            _install_one(npm, pkg, root, Path(work))
            log(f"installed {root / pkg.url_prefix}")
    return todo


def main(argv: list[str] | None = None) -> int:
    """Command line entry point (``ceasefire-sim-install-dashboard-assets``)."""
    parser = argparse.ArgumentParser(
        prog="ceasefire-sim-install-dashboard-assets",
        description="Install the Solara dashboard's browser assets from the npm registry so it works offline.",
    )
    parser.add_argument("--cdn-dir", type=Path, default=None, help="cache directory (default: Solara's proxy_cache_dir, <sys.prefix>/share/solara/cdn)")
    parser.add_argument("--force", action="store_true", help="reinstall packages that are already present")
    parser.add_argument("--check", action="store_true", help="only report missing assets; exit 1 if any")
    args = parser.parse_args(argv)
    root = args.cdn_dir if args.cdn_dir is not None else cdn_dir()

    if args.check:
        missing = check(root)
        for path in missing:
            print(f"missing   {path}")
        if not missing:
            print(f"all {len(CDN_PACKAGES)} dashboard asset packages present in {root}")
        return 1 if missing else 0

    try:
        installed = install(root, force=args.force)
    except AssetInstallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"dashboard assets ready in {root} ({len(installed)} installed, "
          f"{len(CDN_PACKAGES) - len(installed)} already present)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
