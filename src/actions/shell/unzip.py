# The plan's unzip (GNU tar cannot read zip, and unzip cannot strip components), with the
# same checks as a run's libarchive extraction: no absolute paths, no `..`, no link that
# leaves the target folder. Usage: python3 unzip.py ARCHIVE INTO STRIP
import os, stat, sys, zipfile
archive, into, strip = sys.argv[1], sys.argv[2], int(sys.argv[3])
with zipfile.ZipFile(archive) as bundle:
    for info in bundle.infolist():
        parts = [p for p in info.filename.split("/") if p not in ("", ".")]
        if info.filename.startswith("/") or ".." in parts:
            sys.exit("unsafe entry " + info.filename)
        if len(parts) <= strip:
            continue
        target = os.path.join(into, *parts[strip:])
        if info.is_dir():
            os.makedirs(target, exist_ok=True)
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        data = bundle.read(info)
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            link = data.decode()
            depth = len(parts) - strip - 1
            for part in link.split("/"):
                depth += -1 if part == ".." else (0 if part in ("", ".") else 1)
                if depth < 0 or link.startswith("/"):
                    sys.exit("unsafe link " + info.filename)
            os.symlink(link, target)
            continue
        with open(target, "wb") as out:
            out.write(data)
        if mode:
            os.chmod(target, mode & 0o7777)
