// RPM databases are found, not read: rpmdb.sqlite (RHEL 9, Fedora), BerkeleyDB `Packages`
// and SUSE's `Packages.db` need sqlite or a BerkeleyDB reader (sql.js would do for sqlite;
// not done yet). The scan says so instead of reporting an OS without packages.
import type { ImageFiles } from "../layers/types.js";
import type { Analyzer } from "./types.js";

const DBS = [
  "var/lib/rpm/rpmdb.sqlite",
  "var/lib/rpm/Packages",
  "var/lib/rpm/Packages.db",
  "usr/lib/sysimage/rpm/rpmdb.sqlite",
  "usr/lib/sysimage/rpm/Packages.db",
];

export const rpm: Analyzer = {
  name: "rpm",
  version: 1,
  wants: (path) => DBS.includes(path),
  // Only the presence matters: keep no bytes.
  limit: { maxBytes: 0, prefix: true },
  analyze(files: ImageFiles, _os, notes = []) {
    for (const path of DBS) {
      const f = files.files.get(path);
      if (f) notes.push(`rpm: unsupported: ${path} (${f.size} bytes, layer ${f.layer}) was not read; RPM packages are not reported`);
    }
    return [];
  },
};
