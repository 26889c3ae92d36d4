"""Build a signed APT repository holding the stand-in grafana package, laid out like
apt.grafana.com (suite `stable`, component `main`), so the role's apt method runs against it.

    python3 build-repo.py PACKAGE.deb REPO_DIR

Writes REPO_DIR/pool/PACKAGE.deb, dists/stable/main/binary-<arch>/Packages, a Release signed inline
(InRelease) by a throwaway key, and that key, ASCII-armoured, as REPO_DIR/gpg.key.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def run(*argv: str, **kwargs) -> str:
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs).stdout


def main(package: Path, repo: Path) -> None:
    arch = run("dpkg", "--print-architecture").strip()
    pool = repo / "pool"
    pool.mkdir(parents=True, exist_ok=True)
    deb = Path(shutil.copy(package, pool))
    data = deb.read_bytes()
    fields = run("dpkg-deb", "-f", str(deb)).rstrip("\n")
    packages = f"{fields}\nFilename: pool/{deb.name}\nSize: {len(data)}\nSHA256: {hashlib.sha256(data).hexdigest()}\n"
    index = f"main/binary-{arch}/Packages"
    dists = repo / "dists" / "stable"
    (dists / index).parent.mkdir(parents=True, exist_ok=True)
    (dists / index).write_text(packages)
    release = (
        "Origin: airdrops molecule\nLabel: grafana stand-in\nSuite: stable\nCodename: stable\n"
        f"Date: {email.utils.formatdate(usegmt=True)}\nArchitectures: {arch}\nComponents: main\nSHA256:\n"
        f" {hashlib.sha256(packages.encode()).hexdigest()} {len(packages.encode())} {index}\n"
    )
    (dists / "Release").write_text(release)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "GNUPGHOME": home}
        gpg = ("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "")
        run(*gpg, "--quick-gen-key", "grafana stand-in <standin@example.invalid>", "ed25519", "sign", "never", env=env)
        (repo / "gpg.key").write_text(run(*gpg, "--armor", "--export", env=env))
        run(*gpg, "--clearsign", "--output", str(dists / "InRelease"), str(dists / "Release"), env=env)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
