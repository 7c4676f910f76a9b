"""``flask --app wsgi lms export-certificates --format csv|xlsx [filters] -o FILE``."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from ..certificates import services as certificates
from ..security import SYSTEM
from ..utils import fail
from . import exports


@click.command("export-certificates")
@click.option("--format", "file_format", type=click.Choice(["csv", "xlsx"]), required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--organisation", help="Organisation id: this unit and its sub-units.")
@click.option("--course", help="Course slug.")
@click.option("--issued-from", help="Issued on or after (YYYY-MM-DD).")
@click.option("--issued-to", help="Issued on or before (YYYY-MM-DD).")
@click.option("--status", type=click.Choice(certificates.STATUSES))
@click.option("--expiring-within", help="Valid and expiring within this many days.")
@click.option("--holder", help="Words of the holder's name (any spelling) or IIN digits.")
@click.option("--csv-dialect", type=click.Choice(sorted(exports.CSV_DIALECTS)), default=exports.DEFAULT_DIALECT,
              show_default=True, help='CSV for Excel in Kazakh or Russian settings (";", BOM) or standard (",").')
@with_appcontext
def export_certificates(file_format, output, organisation, course, issued_from, issued_to, status,
                        expiring_within, holder, csv_dialect) -> None:
    """Export certificate records (every organisation; headers in the default language)."""
    try:
        filters = certificates.parse_filters(SYSTEM, {
            "organisation": organisation, "course": course, "issued_from": issued_from, "issued_to": issued_to,
            "status": status, "expiring_within": expiring_within, "holder": holder})
    except certificates.CertificateError as error:
        fail(str(error))
    if file_format == "csv":
        counter = [0]
        batches = exports.export_batches(SYSTEM, filters, as_text=True)
        with output.open("wb") as file:
            for chunk in exports.csv_batches_chunks(exports.headers(), batches, counter,
                                                    exports.csv_dialect(csv_dialect)):
                file.write(chunk)
        count = counter[0]
    else:
        count = exports.write_xlsx(str(output), exports.headers(), exports.export_rows(SYSTEM, filters))
    exports.record_export(SYSTEM, file_format, filters, count)
    click.echo(f"{count} certificate(s) written to {output}")


commands = (export_certificates,)
