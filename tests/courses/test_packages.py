"""Reading uploaded course packages safely: each unsafe upload is refused with a translated reason."""
from __future__ import annotations

import io
import stat
import zipfile

import pytest

from lms.courses import packages
from lms.courses.packages import PackageRefused, read_folder, read_zip

from ..conftest import translated
from .packages import course_zip, notebook


def _zip(entries: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def _refused(data: bytes, display: str = "p.zip") -> PackageRefused:
    with pytest.raises(PackageRefused) as caught:
        read_zip(data, display)
    return caught.value


def test_a_zip_of_a_course_folder_reads_as_its_files_under_the_slug(app, tmp_path):
    package = read_zip(course_zip(tmp_path), "demo.zip")
    assert package.slugs == ["demo"]
    assert "demo/course.yaml" in package.files and "demo/lessons/l1.kk.md" in package.files
    assert package.course_files("demo")["lessons/l1.ru.md"].startswith("# Первый урок".encode())


def test_a_zip_of_the_folder_contents_takes_its_slug_from_the_archive_name(app, tmp_path):
    from .packages import zip_folder
    from .files import write_course

    package = read_zip(zip_folder(write_course(tmp_path, "demo"), prefix=""), "data-literacy.zip")
    assert package.slugs == ["data-literacy"]


@pytest.mark.parametrize("name", ["../evil.txt", "demo/../../evil.txt", "/etc/cron.d/evil", "C:/evil.txt",
                                  "demo\\..\\..\\evil.txt"])
def test_a_path_outside_the_package_is_refused(app, tmp_path, name):
    error = _refused(course_zip(tmp_path, extra={name: b"x"}))
    assert error.reason == "path_outside"
    assert "evil" in str(error)


def test_a_symbolic_link_is_refused(app, tmp_path):
    base = zipfile.ZipFile(io.BytesIO(course_zip(tmp_path)))
    entries = {info.filename: base.read(info) for info in base.infolist()}
    error = _refused(_zip(entries, symlink="demo/lessons/passwd.md"))
    assert error.reason == "symlink" and "demo/lessons/passwd.md" in str(error)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(app):
    bomb = _zip({"demo/course.yaml": b"title: x\n", "demo/data/zeros.bin": b"\0" * (15 * 1024 * 1024)})
    assert len(bomb) < 100_000
    error = _refused(bomb)
    assert error.reason == "zip_bomb" and "demo/data/zeros.bin" in str(error)


def test_a_zip_whose_directory_lies_about_sizes_is_still_stopped(app, monkeypatch):
    monkeypatch.setattr(packages, "MAX_TOTAL_BYTES", 2 * 1024 * 1024)
    monkeypatch.setattr(packages, "MAX_RATIO", 10 ** 9)
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 10 * 1024 * 1024)
    data = _zip({"demo/course.yaml": b"title: x\n", "demo/a.bin": b"\0" * (3 * 1024 * 1024)})
    error = _refused(data)
    assert error.reason == "too_large"


def test_a_member_whose_directory_entry_understates_its_size_is_refused(app):
    import struct

    data = bytearray(_zip({"demo/course.yaml": b"title: x\n", "demo/a.bin": b"\0" * (3 * 1024 * 1024)}))
    central = bytes(data).rindex(b"demo/a.bin") - 46  # the central directory's entry (its name at offset 46)
    data[central + 24:central + 28] = struct.pack("<I", 100)  # claims 100 bytes once unpacked
    error = _refused(bytes(data))
    assert error.reason in ("zip_bomb", "not_a_zip")  # the claim is not believed: refused, not unpacked


def test_reading_stops_at_the_limit_whatever_the_header_says(app):
    archive = zipfile.ZipFile(io.BytesIO(_zip({"demo/a.bin": b"x" * 200_000})))
    with pytest.raises(PackageRefused) as caught:
        packages._read_member(archive, archive.getinfo("demo/a.bin"), "demo/a.bin", limit=100_000)
    assert caught.value.reason == "too_large"


def test_too_many_files_are_refused(app, monkeypatch):
    monkeypatch.setattr(packages, "MAX_FILES", 5)
    error = _refused(_zip({f"demo/f{i}.txt": b"x" for i in range(6)}))
    assert error.reason == "too_many_files"


def test_a_file_over_the_limit_is_refused(app, monkeypatch):
    monkeypatch.setattr(packages, "MAX_FILE_BYTES", 1024)
    error = _refused(_zip({"demo/course.yaml": b"t: x\n", "demo/images/big.png": bytes(range(256)) * 8}))
    assert error.reason == "file_too_large" and "demo/images/big.png" in str(error)


def test_a_notebook_not_marked_for_nbgrader_is_refused(app, tmp_path):
    error = _refused(course_zip(tmp_path, extra={"demo/assignments/lab1/lab1.ipynb": notebook(marked=False)}))
    assert error.reason == "not_nbgrader" and "demo/assignments/lab1/lab1.ipynb" in str(error)


def test_a_marked_notebook_is_accepted(app, tmp_path):
    package = read_zip(course_zip(tmp_path, extra={"demo/assignments/lab1/lab1.ipynb": notebook()}))
    assert "demo/assignments/lab1/lab1.ipynb" in package.files


def test_something_that_is_not_a_zip_is_refused(app):
    assert _refused(b"PK\x03\x04 not really").reason == "not_a_zip"


def test_a_package_without_course_yaml_is_refused(app):
    assert _refused(_zip({"notes/readme.md": b"hi", "other/x.md": b"x"})).reason == "no_course"


def test_system_clutter_is_left_out(app, tmp_path):
    package = read_zip(course_zip(tmp_path, extra={"__MACOSX/demo/._course.yaml": b"junk",
                                                   "demo/.DS_Store": b"junk"}))
    assert not any("MACOSX" in path or "DS_Store" in path for path in package.files)


def test_a_folder_upload_with_a_path_outside_is_refused(app):
    with pytest.raises(PackageRefused) as caught:
        read_folder([("demo/course.yaml", b"t: x\n"), ("demo/../../x", b"x")], "demo")
    assert caught.value.reason == "path_outside"


def test_refusals_are_translated(app, tmp_path):
    message = "The package holds a symbolic link: %(path)s. Nothing was stored."
    kk, ru = translated(app, message, "kk", path="p"), translated(app, message, "ru", path="p")
    assert kk != ru and message.replace("%(path)s", "p") not in (kk, ru)
