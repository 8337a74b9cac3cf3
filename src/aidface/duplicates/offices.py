"""Which aid office decides a duplicate case."""
from aidface.org.models import AidOffice, School


def _office_chain(office: AidOffice) -> list[AidOffice]:
    """Return the office and those above it, nearest first (at most province, city, county)."""
    chain = [office]
    while chain[-1].parent_id is not None:
        chain.append(chain[-1].parent)
    return chain


def deciding_office(school: School, other_school: School) -> AidOffice:
    """Return the lowest office whose jurisdiction covers both schools.

    For two schools of one supervising office that is the office itself. For schools of
    two counties of one city it is the city office, and so on up to the province. So the
    office views both students within its own jurisdiction (Art. 23).
    """
    chain = _office_chain(school.supervising_office)
    above_other = {office.pk for office in _office_chain(other_school.supervising_office)}
    for office in chain:
        if office.pk in above_other:
            return office
    return chain[-1]
