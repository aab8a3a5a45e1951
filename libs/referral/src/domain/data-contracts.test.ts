import { fc, test } from "@fast-check/vitest";
import { DataCategory, ServiceType } from "@kopru/contracts/common/v1/vocabulary";
import { describe, expect, it } from "vitest";

import {
  dataContractFor,
  isSensitiveCategory,
  SENSITIVE_DATA_CATEGORIES,
  SERVICE_DATA_CONTRACTS,
  selectPackageCategories,
} from "./data-contracts.js";
import { NoDataContractError } from "./errors.js";

const D = DataCategory;
const realCodes = <E extends Record<string, string | number>>(enumObject: E) =>
  Object.values(enumObject).filter(
    (value): value is E[keyof E] & number => typeof value === "number" && value > 0,
  );
const SERVICE_TYPES = realCodes(ServiceType) as ServiceType[];
const CATEGORIES = realCodes(DataCategory) as DataCategory[];
const name = (serviceType: ServiceType) => ServiceType[serviceType];

describe("SERVICE_DATA_CONTRACTS", () => {
  it("has a contract for every service type and nothing else", () => {
    expect(
      Object.keys(SERVICE_DATA_CONTRACTS)
        .map(Number)
        .sort((a, b) => a - b),
    ).toEqual(SERVICE_TYPES);
  });

  it.each(SERVICE_TYPES.map((serviceType) => [name(serviceType), serviceType] as const))(
    "%s: needs who and how to reach, lists real categories once each",
    (_, serviceType) => {
      const { required, optional } = dataContractFor(serviceType);
      expect(required).toContain(D.DATA_CATEGORY_IDENTITY);
      expect(required).toContain(D.DATA_CATEGORY_CONTACT);
      const all = [...required, ...optional];
      expect(new Set(all).size).toBe(all.length);
      for (const category of all) expect(CATEGORIES).toContain(category);
    },
  );

  it("sends GBV data only to GBV case management, child protection data only to child protection", () => {
    const listing = (category: DataCategory) =>
      SERVICE_TYPES.filter((serviceType) => {
        const { required, optional } = dataContractFor(serviceType);
        return required.includes(category) || optional.includes(category);
      }).map(name);
    expect(listing(D.DATA_CATEGORY_GBV)).toEqual(["SERVICE_TYPE_GBV_CASE_MANAGEMENT"]);
    expect(listing(D.DATA_CATEGORY_CHILD_PROTECTION)).toEqual([
      "SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT",
    ]);
    expect(listing(D.DATA_CATEGORY_FINANCIAL)).toEqual([
      "SERVICE_TYPE_ECM_CASH",
      "SERVICE_TYPE_CASH_BASIC_NEEDS",
      "SERVICE_TYPE_SMALL_BUSINESS_GRANT",
      "SERVICE_TYPE_MMCC_DIRECT_ASSISTANCE",
      "SERVICE_TYPE_RENTAL_SUPPORT",
    ]);
  });

  it("keeps health and MHPSS data away from services that do not work with them", () => {
    for (const serviceType of [
      ServiceType.SERVICE_TYPE_ECM_CASH,
      ServiceType.SERVICE_TYPE_CASH_BASIC_NEEDS,
      ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH,
      ServiceType.SERVICE_TYPE_MMCC_COUNSELLING,
      ServiceType.SERVICE_TYPE_SCHOOL_TRANSPORTATION,
      ServiceType.SERVICE_TYPE_LIVELIHOOD_JOB_PLACEMENT,
    ]) {
      const { required, optional } = dataContractFor(serviceType);
      expect([...required, ...optional].filter(isSensitiveCategory)).toEqual([]);
    }
  });

  it("matches the agreed examples", () => {
    expect(dataContractFor(ServiceType.SERVICE_TYPE_ECM_CASH)).toEqual({
      required: [
        D.DATA_CATEGORY_IDENTITY,
        D.DATA_CATEGORY_CONTACT,
        D.DATA_CATEGORY_DEMOGRAPHICS,
        D.DATA_CATEGORY_HOUSEHOLD,
        D.DATA_CATEGORY_NEEDS,
      ],
      // ECM collects the payment channel at assessment; sent only when consented and held.
      optional: [D.DATA_CATEGORY_LEGAL_STATUS, D.DATA_CATEGORY_DISABILITY, D.DATA_CATEGORY_FINANCIAL],
    });
    expect(dataContractFor(ServiceType.SERVICE_TYPE_MMCC_COUNSELLING)).toEqual({
      required: [
        D.DATA_CATEGORY_IDENTITY,
        D.DATA_CATEGORY_CONTACT,
        D.DATA_CATEGORY_DEMOGRAPHICS,
        D.DATA_CATEGORY_NEEDS,
      ],
      optional: [D.DATA_CATEGORY_LEGAL_STATUS, D.DATA_CATEGORY_HOUSEHOLD, D.DATA_CATEGORY_DISABILITY],
    });
    expect(dataContractFor(ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT)).toEqual({
      required: [
        D.DATA_CATEGORY_IDENTITY,
        D.DATA_CATEGORY_CONTACT,
        D.DATA_CATEGORY_DEMOGRAPHICS,
        D.DATA_CATEGORY_PROTECTION,
        D.DATA_CATEGORY_GBV,
      ],
      optional: [D.DATA_CATEGORY_HEALTH, D.DATA_CATEGORY_MHPSS],
    });
    expect(dataContractFor(ServiceType.SERVICE_TYPE_LANGUAGE_COURSE_TURKISH)).toEqual({
      required: [D.DATA_CATEGORY_IDENTITY, D.DATA_CATEGORY_CONTACT, D.DATA_CATEGORY_DEMOGRAPHICS],
      optional: [D.DATA_CATEGORY_EDUCATION],
    });
    expect(dataContractFor(ServiceType.SERVICE_TYPE_SCHOOL_TRANSPORTATION).required).toContain(
      D.DATA_CATEGORY_EDUCATION,
    );
    expect(dataContractFor(ServiceType.SERVICE_TYPE_CHILD_PROTECTION_CASE_MANAGEMENT).required).toContain(
      D.DATA_CATEGORY_CHILD_PROTECTION,
    );
    expect(dataContractFor(ServiceType.SERVICE_TYPE_MHPSS_INDIVIDUAL).required).toContain(
      D.DATA_CATEGORY_MHPSS,
    );
    expect(dataContractFor(ServiceType.SERVICE_TYPE_HEALTH_REFERRAL).required).toContain(
      D.DATA_CATEGORY_HEALTH,
    );
  });

  it("has no contract for an unspecified or unknown service type", () => {
    expect(() => dataContractFor(ServiceType.SERVICE_TYPE_UNSPECIFIED)).toThrow(NoDataContractError);
    expect(() => dataContractFor(ServiceType.UNRECOGNIZED)).toThrow(NoDataContractError);
    expect(() => dataContractFor(999 as ServiceType)).toThrow(NoDataContractError);
  });

  it("declares GBV, child protection, health and MHPSS sensitive", () => {
    expect([...SENSITIVE_DATA_CATEGORIES].sort((a, b) => a - b)).toEqual([
      D.DATA_CATEGORY_GBV,
      D.DATA_CATEGORY_CHILD_PROTECTION,
      D.DATA_CATEGORY_HEALTH,
      D.DATA_CATEGORY_MHPSS,
    ]);
  });
});

describe("selectPackageCategories", () => {
  const everything = CATEGORIES;

  it("selects required plus consented, available optional categories", () => {
    const consent = {
      dataCategories: [
        ...dataContractFor(ServiceType.SERVICE_TYPE_ECM_CASH).required,
        D.DATA_CATEGORY_DISABILITY,
        D.DATA_CATEGORY_FINANCIAL,
        D.DATA_CATEGORY_HEALTH,
      ],
    };
    expect(selectPackageCategories(ServiceType.SERVICE_TYPE_ECM_CASH, consent, everything)).toEqual({
      ok: true,
      categories: [
        D.DATA_CATEGORY_IDENTITY,
        D.DATA_CATEGORY_CONTACT,
        D.DATA_CATEGORY_DEMOGRAPHICS,
        D.DATA_CATEGORY_HOUSEHOLD,
        D.DATA_CATEGORY_NEEDS,
        D.DATA_CATEGORY_DISABILITY,
        D.DATA_CATEGORY_FINANCIAL,
      ],
    });
  });

  it("leaves out optional categories the sender does not hold", () => {
    const required = dataContractFor(ServiceType.SERVICE_TYPE_ECM_CASH).required;
    const consent = { dataCategories: everything };
    const result = selectPackageCategories(ServiceType.SERVICE_TYPE_ECM_CASH, consent, required);
    expect(result).toEqual({ ok: true, categories: [...required].sort((a, b) => a - b) });
  });

  it("refuses, naming them, when required categories are not consented or not held", () => {
    const consent = {
      dataCategories: [
        D.DATA_CATEGORY_IDENTITY,
        D.DATA_CATEGORY_CONTACT,
        D.DATA_CATEGORY_DEMOGRAPHICS,
        D.DATA_CATEGORY_PROTECTION,
      ],
    };
    const held = [
      D.DATA_CATEGORY_IDENTITY,
      D.DATA_CATEGORY_CONTACT,
      D.DATA_CATEGORY_DEMOGRAPHICS,
      D.DATA_CATEGORY_GBV,
    ];
    expect(selectPackageCategories(ServiceType.SERVICE_TYPE_GBV_CASE_MANAGEMENT, consent, held)).toEqual({
      ok: false,
      missingRequired: [D.DATA_CATEGORY_PROTECTION, D.DATA_CATEGORY_GBV],
      notConsented: [D.DATA_CATEGORY_GBV],
      notAvailable: [D.DATA_CATEGORY_PROTECTION],
    });
  });

  it("never sends GBV data to a service whose contract does not list it, consent or not", () => {
    const result = selectPackageCategories(
      ServiceType.SERVICE_TYPE_PROTECTION_GENERAL,
      { dataCategories: everything },
      everything,
    );
    expect(result.ok && result.categories).not.toContain(D.DATA_CATEGORY_GBV);
    expect(result.ok && result.categories).toContain(D.DATA_CATEGORY_MHPSS);
  });

  it("throws for a service type without a contract", () => {
    expect(() =>
      selectPackageCategories(
        ServiceType.SERVICE_TYPE_UNSPECIFIED,
        { dataCategories: everything },
        everything,
      ),
    ).toThrow(NoDataContractError);
  });

  const category = fc.constantFrom(...CATEGORIES);
  test.prop([fc.constantFrom(...SERVICE_TYPES), fc.uniqueArray(category), fc.uniqueArray(category)])(
    "selects only contract categories that are consented and held, all required ones, or refuses",
    (serviceType, consented, held) => {
      const { required, optional } = dataContractFor(serviceType);
      const result = selectPackageCategories(serviceType, { dataCategories: consented }, held);
      const requiredOk = required.every((c) => consented.includes(c) && held.includes(c));
      expect(result.ok).toBe(requiredOk);
      if (result.ok) {
        for (const c of result.categories) {
          expect([...required, ...optional]).toContain(c);
          expect(consented).toContain(c);
          expect(held).toContain(c);
        }
        for (const c of required) expect(result.categories).toContain(c);
        for (const c of optional)
          expect(result.categories.includes(c)).toBe(consented.includes(c) && held.includes(c));
      } else {
        expect(result.missingRequired.length).toBeGreaterThan(0);
        for (const c of result.missingRequired) expect(required).toContain(c);
      }
    },
  );
});
