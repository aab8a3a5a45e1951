import type { components } from "@kopru/contracts/openapi/console-api";
import { useId, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import type { RequestOf } from "../../api/client.js";
import { useRpcMutation, useRpcQuery } from "../../api/hooks.js";
import { useSession } from "../../api/session.js";
import { type Column, DataTable } from "../../components/DataTable.js";
import { Loading, Page } from "../../components/Page.js";
import { ProblemMessage } from "../../components/Problem.js";
import { useFormat } from "../../format.js";
import { useVocabulary } from "../../i18n/vocabulary.js";
import { provinceNames } from "../dashboard/figures.js";
import { capacityChoices, countsPlaces, mayManageOffering, places } from "./capacity.js";
import {
  CAPACITY_STATUSES,
  type CapacityStatus,
  DIRECTORY_PAGE,
  type Organisation,
  SERVICE_TYPES,
  type ServiceOffering,
  type ServiceType,
  useOrganisations,
} from "./directory-data.js";
import "./directory.css";

type Location = components["schemas"]["kopru.common.v1.Location"];
type ServiceMatch = components["schemas"]["kopru.coordination.v1.ServiceMatch"];

/** Names of places and languages in the user's language, through Intl. */
function useNames(provinces: ReadonlyMap<string, string>) {
  const { i18n } = useTranslation();
  const language = i18n.language;
  return useMemo(() => {
    const languages = new Intl.DisplayNames([language], { type: "language", fallback: "code" });
    const list = new Intl.ListFormat(language, { style: "long", type: "conjunction" });
    const languageName = (code: string) => {
      try {
        return languages.of(code) ?? code;
      } catch {
        return code;
      }
    };
    const place = (location: Location) => {
      const province =
        location.provinceName || provinces.get(location.provinceCode ?? "") || location.provinceCode || "";
      return location.districtCode
        ? `${location.districtName || location.districtCode}, ${province}`
        : province;
    };
    return {
      languageName,
      languages: (codes: readonly string[] | undefined) => list.format((codes ?? []).map(languageName)),
      places: (locations: readonly Location[] | undefined) => list.format((locations ?? []).map(place)),
    };
  }, [language, provinces]);
}

/** Changes one offering's capacity: a labelled select and a button, in the row it belongs to. */
function CapacityControl({
  offering,
  onChanged,
}: {
  offering: ServiceOffering;
  onChanged(offering: ServiceOffering | undefined): void;
}) {
  const { t } = useTranslation("directory");
  const vocabulary = useVocabulary();
  const choices = capacityChoices(offering);
  const [next, setNext] = useState<CapacityStatus | "">("");
  const selectId = useId();
  const errorId = useId();
  const change = useRpcMutation("coordination", "SetCapacityStatus");
  const chosen = next !== "" && choices.includes(next) ? next : choices[0];
  return (
    <form
      className="capacity-control"
      onSubmit={(event) => {
        event.preventDefault();
        if (!chosen || !offering.serviceOfferingId) return;
        change.mutate(
          { request: { serviceOfferingId: offering.serviceOfferingId, capacityStatus: chosen } },
          { onSuccess: (answer) => onChanged(answer.serviceOffering) },
        );
      }}
    >
      <label htmlFor={selectId} className="visually-hidden">
        {t("capacity.newStatus", { name: offering.name })}
      </label>
      <select
        id={selectId}
        value={chosen}
        onChange={(event) => setNext(event.target.value as CapacityStatus)}
        aria-invalid={change.isError || undefined}
        aria-describedby={change.isError ? errorId : undefined}
      >
        {choices.map((status) => (
          <option key={status} value={status}>
            {status === "CAPACITY_STATUS_AVAILABLE" && countsPlaces(offering)
              ? t("capacity.resume")
              : vocabulary(status)}
          </option>
        ))}
      </select>
      <button type="submit" className="button secondary" disabled={change.isPending}>
        {change.isPending ? t("capacity.saving") : t("capacity.change")}
        <span className="visually-hidden"> {t("capacity.forOffering", { name: offering.name })}</span>
      </button>
      {change.isError ? (
        <div id={errorId}>
          <ProblemMessage error={change.error} />
        </div>
      ) : null}
    </form>
  );
}

function SearchSection({ provinces }: { provinces: ReadonlyMap<string, string> }) {
  const { t } = useTranslation("directory");
  const vocabulary = useVocabulary();
  const format = useFormat();
  const { nameOf } = useOrganisations();
  const names = useNames(provinces);
  const [serviceType, setServiceType] = useState<ServiceType | "">("");
  const [province, setProvince] = useState("");
  const [language, setLanguage] = useState("");
  const [includeUnavailable, setIncludeUnavailable] = useState(false);
  const [submitted, setSubmitted] = useState<RequestOf<"coordination", "SearchServices">>();
  const [missing, setMissing] = useState<{ service: boolean; province: boolean }>({
    service: false,
    province: false,
  });
  const serviceErrorId = useId();
  const provinceErrorId = useId();
  const search = useRpcQuery("coordination", "SearchServices", submitted ?? {}, {
    enabled: submitted !== undefined,
  });
  const sortedProvinces = useMemo(
    () => [...provinces].sort((a, b) => a[1].localeCompare(b[1], undefined, { sensitivity: "base" })),
    [provinces],
  );
  const columns: Column<ServiceMatch>[] = [
    {
      key: "rank",
      header: t("search.rank"),
      numeric: true,
      render: (m) => format.number(m.rank),
      value: (m) => m.rank,
    },
    {
      key: "offering",
      header: t("offerings.name"),
      render: (m) => <bdi>{m.serviceOffering?.name}</bdi>,
      value: (m) => m.serviceOffering?.name,
    },
    {
      key: "organisation",
      header: t("offerings.organisation"),
      render: (m) => <bdi>{m.organisation?.name || nameOf(m.serviceOffering?.organisationId)}</bdi>,
      value: (m) => m.organisation?.name || nameOf(m.serviceOffering?.organisationId),
    },
    {
      key: "capacity",
      header: t("offerings.capacity"),
      render: (m) => <span className="status">{vocabulary(m.serviceOffering?.capacityStatus)}</span>,
      value: (m) => vocabulary(m.serviceOffering?.capacityStatus),
    },
    {
      key: "coverage",
      header: t("offerings.coverage"),
      render: (m) => names.places(m.serviceOffering?.coverage),
      value: (m) => names.places(m.serviceOffering?.coverage),
    },
    {
      key: "reasons",
      header: t("search.reasons"),
      render: (m) => (
        <ul className="reasons">
          {(m.reasons ?? []).map((reason) => (
            <li key={reason}>{vocabulary(reason)}</li>
          ))}
        </ul>
      ),
      value: (m) => (m.reasons ?? []).map((reason) => vocabulary(reason)).join("; "),
    },
  ];
  return (
    <section aria-labelledby="directory-search">
      <h2 id="directory-search">{t("search.title")}</h2>
      <form
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          // Coordination ranks by place: a search needs the service and the province.
          const lacking = { service: !serviceType, province: !province };
          setMissing(lacking);
          if (!serviceType || !province) return;
          setSubmitted({
            serviceType,
            provinceCode: province,
            ...(language ? { language } : {}),
            includeUnavailable,
          });
        }}
      >
        <div className="form-row">
          <label>
            {t("search.serviceType")}
            <select
              value={serviceType}
              required
              aria-invalid={missing.service || undefined}
              aria-describedby={missing.service ? serviceErrorId : undefined}
              onChange={(event) => setServiceType(event.target.value as ServiceType | "")}
            >
              <option value="">{t("search.choose")}</option>
              {SERVICE_TYPES.map((value) => (
                <option key={value} value={value}>
                  {vocabulary(value)}
                </option>
              ))}
            </select>
            {missing.service ? (
              <span id={serviceErrorId} className="field-error">
                {t("search.serviceRequired")}
              </span>
            ) : null}
          </label>
          <label>
            {t("search.province")}
            <select
              value={province}
              required
              aria-invalid={missing.province || undefined}
              aria-describedby={missing.province ? provinceErrorId : undefined}
              onChange={(event) => setProvince(event.target.value)}
            >
              <option value="">{t("search.chooseProvince")}</option>
              {sortedProvinces.map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
            {missing.province ? (
              <span id={provinceErrorId} className="field-error">
                {t("search.provinceRequired")}
              </span>
            ) : null}
          </label>
          <label>
            {t("search.language")}
            <select value={language} onChange={(event) => setLanguage(event.target.value)}>
              <option value="">{t("search.anyLanguage")}</option>
              {["tr", "ar", "ku", "fa", "ps", "en", "fr", "ru", "uk"].map((code) => (
                <option key={code} value={code}>
                  {names.languageName(code)}
                </option>
              ))}
            </select>
          </label>
          <label className="choice">
            <input
              type="checkbox"
              checked={includeUnavailable}
              onChange={(event) => setIncludeUnavailable(event.target.checked)}
            />
            <span>{t("search.includeUnavailable")}</span>
          </label>
          <button type="submit" className="button">
            {t("search.submit")}
          </button>
        </div>
      </form>
      {search.isFetching ? <Loading /> : null}
      <ProblemMessage error={search.error} />
      {submitted && search.data ? (
        <DataTable
          caption={t("search.caption", { service: vocabulary(submitted.serviceType) })}
          exportName="service-search"
          columns={columns}
          rows={search.data.matches ?? []}
          rowKey={(m) => m.serviceOffering?.serviceOfferingId ?? String(m.rank)}
          empty={t("search.empty")}
        />
      ) : null}
    </section>
  );
}

export default function DirectoryPage() {
  const { t } = useTranslation("directory");
  const { t: tc } = useTranslation();
  const vocabulary = useVocabulary();
  const format = useFormat();
  const session = useSession();
  const { organisations, query: organisationsQuery, nameOf } = useOrganisations();

  const [organisationId, setOrganisationId] = useState("");
  const [serviceType, setServiceType] = useState("");
  const [capacity, setCapacity] = useState("");
  const [includeInactive, setIncludeInactive] = useState(false);
  const [changed, setChanged] = useState<ServiceOffering>();

  const offeringsRequest = useMemo((): RequestOf<"coordination", "ListServiceOfferings"> => {
    const request: RequestOf<"coordination", "ListServiceOfferings"> = {
      includeInactive,
      page: DIRECTORY_PAGE,
    };
    if (organisationId) request.organisationIds = [organisationId];
    if (serviceType) request.serviceTypes = [serviceType as ServiceType];
    if (capacity) request.capacityStatuses = [capacity as CapacityStatus];
    return request;
  }, [organisationId, serviceType, capacity, includeInactive]);
  const offerings = useRpcQuery("coordination", "ListServiceOfferings", offeringsRequest, {
    staleTime: 30_000,
  });
  const rows = offerings.data?.serviceOfferings ?? [];

  const provinces = useMemo(
    () =>
      provinceNames([
        ...organisations.flatMap((organisation) => organisation.locations ?? []),
        ...rows.flatMap((offering) => offering.coverage ?? []),
      ]),
    [organisations, rows],
  );
  const names = useNames(provinces);
  const manages = rows.some((offering) => mayManageOffering(session, offering));

  const offeringColumns: Column<ServiceOffering>[] = [
    {
      key: "name",
      header: t("offerings.name"),
      render: (o) => (
        <>
          <bdi>{o.name}</bdi>
          {o.active !== true ? <span className="status inactive-label">{t("inactive")}</span> : null}
        </>
      ),
      value: (o) => o.name,
    },
    {
      key: "organisation",
      header: t("offerings.organisation"),
      render: (o) => <bdi>{nameOf(o.organisationId)}</bdi>,
      value: (o) => nameOf(o.organisationId),
    },
    {
      key: "service",
      header: t("offerings.service"),
      render: (o) => vocabulary(o.serviceType),
      value: (o) => vocabulary(o.serviceType),
    },
    {
      key: "coverage",
      header: t("offerings.coverage"),
      render: (o) => names.places(o.coverage),
      value: (o) => names.places(o.coverage),
    },
    {
      key: "languages",
      header: t("offerings.languages"),
      render: (o) => names.languages(o.languages),
      value: (o) => names.languages(o.languages),
    },
    {
      key: "capacity",
      header: t("offerings.capacity"),
      render: (o) => {
        const counted = places(o);
        return (
          <>
            <span className={`status capacity-${(o.capacityStatus ?? "").toLowerCase()}`}>
              {vocabulary(o.capacityStatus)}
            </span>
            {counted ? (
              <span className="hint places">
                {t("places", { free: format.number(counted.free), total: format.number(counted.total) })}
              </span>
            ) : null}
          </>
        );
      },
      value: (o) => vocabulary(o.capacityStatus),
    },
    {
      key: "intake",
      header: t("offerings.intake"),
      render: (o) => (
        <>
          {vocabulary(o.intakeChannel?.kind)}
          {o.intakeChannel?.functionalContact ? (
            <span className="hint contact">
              <bdi>{o.intakeChannel.functionalContact}</bdi>
            </span>
          ) : null}
        </>
      ),
      value: (o) =>
        [vocabulary(o.intakeChannel?.kind), o.intakeChannel?.functionalContact].filter(Boolean).join(" — "),
    },
    ...(manages
      ? [
          {
            key: "change",
            header: t("capacity.header"),
            render: (o: ServiceOffering) =>
              mayManageOffering(session, o) && o.active === true ? (
                <CapacityControl offering={o} onChanged={(updated) => setChanged(updated ?? o)} />
              ) : null,
          },
        ]
      : []),
  ];

  const organisationColumns: Column<Organisation>[] = [
    {
      key: "name",
      header: t("organisations.name"),
      render: (o) => (
        <>
          <bdi>{o.name}</bdi>
          {o.shortName ? (
            <span className="hint">
              {" "}
              (<bdi>{o.shortName}</bdi>)
            </span>
          ) : null}
          {o.active !== true ? <span className="status inactive-label">{t("inactive")}</span> : null}
        </>
      ),
      value: (o) => o.name,
    },
    {
      key: "kind",
      header: t("organisations.kind"),
      render: (o) => vocabulary(o.partnerKind),
      value: (o) => vocabulary(o.partnerKind),
    },
    {
      key: "locations",
      header: t("organisations.locations"),
      render: (o) => names.places(o.locations),
      value: (o) => names.places(o.locations),
    },
  ];

  return (
    <Page title={tc("nav.directory")}>
      <SearchSection provinces={provinces} />

      <section aria-labelledby="directory-offerings">
        <h2 id="directory-offerings">{t("offerings.title")}</h2>
        <form onSubmit={(event) => event.preventDefault()}>
          <div className="form-row">
            <label>
              {t("offerings.organisation")}
              <select value={organisationId} onChange={(event) => setOrganisationId(event.target.value)}>
                <option value="">{t("all")}</option>
                {organisations.map((organisation) => (
                  <option key={organisation.organisationId} value={organisation.organisationId}>
                    {organisation.name || organisation.organisationId}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("offerings.service")}
              <select value={serviceType} onChange={(event) => setServiceType(event.target.value)}>
                <option value="">{t("all")}</option>
                {SERVICE_TYPES.map((value) => (
                  <option key={value} value={value}>
                    {vocabulary(value)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              {t("offerings.capacity")}
              <select value={capacity} onChange={(event) => setCapacity(event.target.value)}>
                <option value="">{t("all")}</option>
                {CAPACITY_STATUSES.map((value) => (
                  <option key={value} value={value}>
                    {vocabulary(value)}
                  </option>
                ))}
              </select>
            </label>
            <label className="choice">
              <input
                type="checkbox"
                checked={includeInactive}
                onChange={(event) => setIncludeInactive(event.target.checked)}
              />
              <span>{t("includeInactive")}</span>
            </label>
          </div>
        </form>
        <div role="status" className="directory-status">
          {changed ? (
            <p className="notice-ok">
              {t("capacity.changed", { name: changed.name, status: vocabulary(changed.capacityStatus) })}
            </p>
          ) : null}
        </div>
        {offerings.isPending ? <Loading /> : null}
        <ProblemMessage error={offerings.error} />
        {offerings.data ? (
          <DataTable
            caption={t("offerings.caption")}
            captionHidden
            exportName="service-offerings"
            columns={offeringColumns}
            rows={rows}
            rowKey={(o) => o.serviceOfferingId ?? ""}
            rowClassName={(o) => (o.active !== true ? "inactive" : undefined)}
            empty={t("offerings.empty")}
          />
        ) : null}
      </section>

      <section aria-labelledby="directory-organisations">
        <h2 id="directory-organisations">{t("organisations.title")}</h2>
        {organisationsQuery.isPending ? <Loading /> : null}
        <ProblemMessage error={organisationsQuery.error} />
        {organisationsQuery.data ? (
          <DataTable
            caption={t("organisations.caption")}
            captionHidden
            exportName="organisations"
            columns={organisationColumns}
            rows={organisations.filter((o) => includeInactive || o.active === true)}
            rowKey={(o) => o.organisationId ?? ""}
            empty={t("organisations.empty")}
          />
        ) : null}
      </section>
    </Page>
  );
}
