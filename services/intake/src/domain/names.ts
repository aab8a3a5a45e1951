import { DataCategory, ServiceType } from "@kopru/contracts/common/v1/vocabulary";

/** Lower-case names of codes for messages: "gbv", "mmcc_counselling". */
export function categoryName(category: DataCategory): string {
  return DataCategory[category]?.replace("DATA_CATEGORY_", "").toLowerCase() ?? String(category);
}

export function categoryNames(categories: readonly DataCategory[]): string {
  return categories.map(categoryName).join(", ");
}

export function serviceTypeName(serviceType: ServiceType): string {
  return ServiceType[serviceType]?.replace("SERVICE_TYPE_", "").toLowerCase() ?? String(serviceType);
}
