// The closed vocabularies of the event contract. Each enum's JSON spelling is its entry in
// EnumNames<E>::names, in declaration order; the binary codec stores the underlying value,
// so new values are only ever appended.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace annals {

template <class E>
struct EnumNames;  // specialised below: static constexpr std::string_view names[]

template <class E>
concept NamedEnum = requires {
  EnumNames<E>::names;
};

template <NamedEnum E>
constexpr std::string_view to_string(E e) {
  return EnumNames<E>::names[static_cast<std::size_t>(e)];
}

template <NamedEnum E>
constexpr std::optional<E> enum_from_string(std::string_view s) {
  std::size_t i = 0;
  for (std::string_view n : EnumNames<E>::names) {
    if (n == s) return static_cast<E>(i);
    ++i;
  }
  return std::nullopt;
}

#define ANNALS_ENUM_NAMES(E, ...)                              \
  template <>                                                  \
  struct EnumNames<E> {                                        \
    static constexpr std::string_view names[] = {__VA_ARGS__}; \
  }

// 小学 grades 1-6, 初中 grades 7-9.
enum class Stage : std::uint8_t { primary, junior };
ANNALS_ENUM_NAMES(Stage, "primary", "junior");

// regular school, 教学点 teaching point, 特殊教育 special-education school.
enum class SchoolKind : std::uint8_t { regular, teaching_point, special_education };
ANNALS_ENUM_NAMES(SchoolKind, "regular", "teaching_point", "special_education");

// 公办 / 民办.
enum class Ownership : std::uint8_t { public_, private_ };
ANNALS_ENUM_NAMES(Ownership, "public", "private");

// 城区, 镇区, 乡村, 山区.
enum class LocationClass : std::uint8_t { urban, town, rural, mountain };
ANNALS_ENUM_NAMES(LocationClass, "urban", "town", "rural", "mountain");

// 学区, 教育集团, 联合校, 教研片区, 城乡共同体/结对.
enum class ClusterKind : std::uint8_t {
  school_district,
  education_group,
  alliance,
  research_zone,
  urban_rural_pair
};
ANNALS_ENUM_NAMES(ClusterKind, "school_district", "education_group", "alliance", "research_zone",
                  "urban_rural_pair");

enum class MemberRole : std::uint8_t { lead, member, host };
ANNALS_ENUM_NAMES(MemberRole, "lead", "member", "host");

enum class Subject : std::uint8_t {
  chinese,
  mathematics,
  english,
  science,
  physics,
  chemistry,
  biology,
  history,
  geography,
  politics,
  information_technology,
  pe,
  music,
  fine_art,
  other
};
ANNALS_ENUM_NAMES(Subject, "chinese", "mathematics", "english", "science", "physics", "chemistry",
                  "biology", "history", "geography", "politics", "information_technology", "pe",
                  "music", "fine_art", "other");

// 学历: 中专, 专科, 本科, 硕士, 博士.
enum class Qualification : std::uint8_t { secondary, associate, bachelor, master, doctor };
ANNALS_ENUM_NAMES(Qualification, "secondary", "associate", "bachelor", "master", "doctor");

// 职称.
enum class Title : std::uint8_t { none, junior, intermediate, senior };
ANNALS_ENUM_NAMES(Title, "none", "junior", "intermediate", "senior");

// 骨干教师, 学科带头人, 特级教师.
enum class Honour : std::uint8_t { backbone, subject_leader, special_grade };
ANNALS_ENUM_NAMES(Honour, "backbone", "subject_leader", "special_grade");

enum class HonourLevel : std::uint8_t { school, district, city, province, national };
ANNALS_ENUM_NAMES(HonourLevel, "school", "district", "city", "province", "national");

// 调动, 交流轮岗, 支教.
enum class TransferKind : std::uint8_t { permanent, rotation, support_teaching };
ANNALS_ENUM_NAMES(TransferKind, "permanent", "rotation", "support_teaching");

enum class LeaveReason : std::uint8_t { retired, resigned, died, dismissed };
ANNALS_ENUM_NAMES(LeaveReason, "retired", "resigned", "died", "dismissed");

// 就近/划片, 派位, 对口直升.
enum class AdmissionMode : std::uint8_t { nearby, lottery, direct_promotion, other };
ANNALS_ENUM_NAMES(AdmissionMode, "nearby", "lottery", "direct_promotion", "other");

// 特殊教育学校, 特教班, 随班就读.
enum class Disability : std::uint8_t { none, special_school, special_class, mainstream };
ANNALS_ENUM_NAMES(Disability, "none", "special_school", "special_class", "mainstream");

enum class WithdrawReason : std::uint8_t { moved_out_of_city, deceased, dropped_out, other };
ANNALS_ENUM_NAMES(WithdrawReason, "moved_out_of_city", "deceased", "dropped_out", "other");

// 生均公用经费, 专项, 建设, 培训, 补助.
enum class FundingCategory : std::uint8_t {
  per_student_operating,
  earmarked,
  construction,
  training,
  student_subsidy
};
ANNALS_ENUM_NAMES(FundingCategory, "per_student_operating", "earmarked", "construction", "training",
                  "student_subsidy");

#undef ANNALS_ENUM_NAMES

}  // namespace annals

namespace annals {

// The municipal system that owns an event type, and so the topic it travels on.
// `platform` types (record.retracted) are accepted by every publishing service.
enum class System : std::uint8_t { registry, personnel, enrollment, finance, platform };
template <>
struct EnumNames<System> {
  static constexpr std::string_view names[] = {"registry", "personnel", "enrollment", "finance",
                                               "platform"};
};

}  // namespace annals
