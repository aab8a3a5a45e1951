import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import { useSession } from "../../../api/session.js";
import { Loading } from "../../../components/Page.js";
import "./casework.css";

// Each receiving service's case work is its own chunk: a staff member only ever loads their own.
const panels = {
  municipality: lazy(() =>
    import("./MunicipalityCasework.js").then((module) => ({ default: module.MunicipalityCasework })),
  ),
  ecm: lazy(() => import("./EcmCasework.js").then((module) => ({ default: module.EcmCasework }))),
  protection: lazy(() =>
    import("./ProtectionCasework.js").then((module) => ({ default: module.ProtectionCasework })),
  ),
  "community-centre": lazy(() =>
    import("./CommunityCentreCasework.js").then((module) => ({ default: module.CommunityCentreCasework })),
  ),
} as const;

/** The receiving service's own case work for one referral (sessions, assessments, enrolments…). */
export function CaseworkPanel({ referralId }: { referralId: string }) {
  const { t } = useTranslation("casework");
  const { inboxService } = useSession();
  if (!inboxService) return null;
  const Panel = panels[inboxService];
  return (
    <section className="casework" aria-labelledby="casework-title">
      <h2 id="casework-title">{t(`title.${inboxService}`)}</h2>
      <Suspense fallback={<Loading />}>
        <Panel referralId={referralId} />
      </Suspense>
    </section>
  );
}
