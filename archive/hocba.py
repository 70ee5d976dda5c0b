"""The report card's data as XML (hocba.xml), attached to its PDF/A-3b file so the Sở's systems can read it.

Element names follow the national data centre's học bạ tables (docs: ../shared/reference/hocba_schema.txt:
thongtinsohocbasothcsthpt, its _quatrinhhoctap and _bangdiem): the school, the student, one
``ketquanamhoc`` per school year with its subjects (term I, term II, year, re-test), conduct, absences
and results, the signers (empty until the document is signed: the PAdES signatures fill them), the
status (1: in force, 2: revoked) and the version. Built from the very ReportCardData the PDF is
rendered from, so the file and its attachment cannot disagree; written with the standard library.
"""

import datetime
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from gradebook.api import ReportCardData

NAMESPACE = "urn:schoolrecords:hocba:1"
FILE_NAME = "hocba.xml"
STATUS_IN_FORCE = "1"
STATUS_REVOKED = "2"

# The schema's levels (data_green_g03_gddt028): T, K, Đ, CĐ; other labels are kept as printed.
LEVEL_CODES = {"Tốt": "T", "Khá": "K", "Đạt": "Đ", "Chưa đạt": "CĐ"}
GENDER_CODES = {"male": "1", "female": "2"}
LEVEL_OF_SCHOOL = {"primary": "1", "lower_secondary": "2", "upper_secondary": "3"}


@dataclass(frozen=True)
class Signer:
    """One signature on the document (filled when signed): role, name, citizen id (CCCD), when."""

    role: str
    name: str
    citizen_id: str
    signed_at: datetime.datetime | None = None


@dataclass(frozen=True)
class Context:
    """What the XML says besides the printed data: codes of the school and the record, and its version."""

    school_code: str
    school_level: str  # School.Level value
    rule_set: str  # SchoolYear.rule_set: the circular (thông tư) of the year
    gender: str  # Student.Gender value
    verification_code: str
    version: int
    created_on: datetime.date
    status: str = STATUS_IN_FORCE
    signers: tuple[Signer, ...] = ()


def _iso_date(printed: str) -> str:
    """dd/mm/yyyy as printed on the form → YYYY-MM-DD, "" when it is not a date."""
    try:
        return datetime.datetime.strptime(printed, "%d/%m/%Y").date().isoformat()
    except ValueError:
        return ""


def _level(label: str) -> str:
    return LEVEL_CODES.get(label.strip(), label.strip())


def _absences(value: str) -> str:
    """"P / K" as printed → the total of sessions absent."""
    numbers = [int(part) for part in re.findall(r"\d+", value)]
    return str(sum(numbers)) if numbers else ""


def _name(value: str) -> str:
    """A parent as printed ("Name, occupation (phone)") → the name."""
    return value.split(",")[0].split("(")[0].strip()


def _add(parent: ET.Element, tag: str, text: str | int | None = "") -> ET.Element:
    element = ET.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
    element.text = "" if text is None else str(text)
    return element


def report_card_xml(card: ReportCardData, context: Context) -> bytes:
    """The XML of one report card (UTF-8, with its declaration)."""
    ET.register_namespace("", NAMESPACE)
    root = ET.Element(f"{{{NAMESPACE}}}hocba")
    record = f"{context.school_code}-{card.student.code}"
    _add(root, "madinhdanhhocba", record)
    _add(root, "maxacthuc", context.verification_code)
    _add(root, "trangthaithongtinhocba", context.status)
    _add(root, "phienbanthongtinhocba", context.version)
    _add(root, "phienban", context.version)
    _add(root, "thongtu", context.rule_set.upper())
    _add(root, "namhoc", card.school.year)
    _add(root, "ngaytao", context.created_on.isoformat())
    _add(root, "trichluc", "0")

    school = _add(root, "truong")
    _add(school, "matruong", context.school_code)
    _add(school, "tentruong", card.school.name)
    _add(school, "macaphoc", LEVEL_OF_SCHOOL.get(context.school_level, ""))
    _add(school, "tenhuyen", card.school.district)
    _add(school, "thongtintruong_diachi_tenxa", card.school.commune)
    _add(school, "thongtintruong_diachi_tentinh", card.school.province)
    _add(school, "diachi", card.school.address)

    student = _add(root, "hocsinh")
    identity = card.student
    _add(student, "hovaten", identity.full_name)
    _add(student, "mahocsinh", identity.code)
    _add(student, "sosodangbo", identity.registration_number)
    _add(student, "gioitinh", GENDER_CODES.get(context.gender, "0"))
    _add(student, "ngaythangnamsinh", _iso_date(identity.date_of_birth))
    _add(student, "noisinh_diachichitiet", identity.place_of_birth)
    _add(student, "quequan_diachichitiet", identity.hometown)
    _add(student, "noiohiennay_diachichitiet", identity.address)
    _add(student, "dantoc", identity.ethnicity)
    _add(student, "doituongchinhsach", identity.priority_group)
    _add(student, "hotencha", identity.father_name or _name(identity.father))
    _add(student, "nghenghiepcha", identity.father_occupation)
    _add(student, "hotenme", identity.mother_name or _name(identity.mother))
    _add(student, "nghenghiepme", identity.mother_occupation)
    _add(student, "hotennguoigiamho", identity.guardian_name or _name(identity.guardian))
    _add(student, "nghenghiepnguoigiamho", identity.guardian_occupation)

    history = _add(root, "quatrinhhoctap")
    for year, class_name, school_name in card.history:
        step = _add(history, "namhoc")
        step.set("namhoc", year)
        _add(step, "tenlop", class_name)
        _add(step, "tentruong", school_name)

    for year in card.years:
        result = _add(root, "ketquanamhoc")
        _add(result, "namhoc", year.year)
        _add(result, "tenlop", year.class_name)
        _add(result, "makhoi", year.grade)
        _add(result, "tengvcn", year.homeroom_teacher)
        learning = (list(year.learning) + ["", "", ""])[:3]
        conduct = (list(year.conduct) + ["", "", ""])[:3]
        _add(result, "hocky1", _level(learning[0]))
        _add(result, "hocky2", _level(learning[1]))
        _add(result, "canam", _level(learning[2]))
        _add(result, "renluyenhocky1", _level(conduct[0]))
        _add(result, "renluyenhocky2", _level(conduct[1]))
        _add(result, "renluyencanam", _level(conduct[2]))
        absences = (list(year.absences) + ["", "", ""])[:3]
        _add(result, "sobuoinghi", _absences(absences[2]) or _absences(absences[0]))
        _add(result, "ndungduoclenlop", year.outcome)
        _add(result, "ndungkquarenluyen", year.retest_outcome)
        _add(result, "ndunghoanthanh", year.completion or year.programme)
        _add(result, "renluyenlai", _level(year.conduct_reassessed))
        _add(result, "kqhoctaplai", _level(year.learning_reassessed))
        _add(result, "kquathamgiacuocthi", "; ".join(year.competitions))
        _add(result, "ndungkhenthuong", year.awards_line)
        _add(result, "nxetgvcn", year.remark)
        scores = _add(result, "bangdiem")
        for subject in year.subjects:
            row = _add(scores, "monhoc")
            _add(row, "tenmonhoc", subject.name)
            _add(row, "diemhocky1", subject.term1)
            _add(row, "diemhocky2", subject.term2)
            _add(row, "diemcanam", subject.year)
            _add(row, "diemkttralai", subject.retest)
            _add(row, "nxetmonhoc", subject.remark)
            _add(row, "gvbm", subject.teacher)
            _add(row, "soddcngvbm", "")

    # The certificates (thongtinsohocbasothcsthpt_chungchi: tenchungchi, loaichungchi) of every year printed.
    for year in card.years:
        for name, kind in year.certificate_entries:
            certificate = _add(root, "chungchi")
            certificate.set("namhoc", year.year)
            _add(certificate, "tenchungchi", name)
            _add(certificate, "loaichungchi", kind)
    signers = _add(root, "chuky")
    for signer in context.signers:
        element = _add(signers, "nguoiky")
        _add(element, "vaitro", signer.role)
        _add(element, "hoten", signer.name)
        _add(element, "soddcn", signer.citizen_id)
        _add(element, "thoigianky", signer.signed_at.isoformat() if signer.signed_at else "")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
