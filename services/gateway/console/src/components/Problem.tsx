import { useTranslation } from "react-i18next";
import type { ProblemError } from "../api/client.js";

/**
 * What went wrong, in the user's language where the code is known, with each field the server
 * named. The server's own title is shown only as a fallback (it is English).
 */
export function ProblemMessage({ error }: { error: ProblemError | Error | null | undefined }) {
  const { t } = useTranslation();
  if (!error) return null;
  const problem = "code" in error ? error : undefined;
  const key = problem ? `problem.${problem.code}` : undefined;
  const message = key && t(key, { defaultValue: "" }) ? t(key) : (problem?.title ?? t("problem.unknown"));
  return (
    <div role="alert" className="problem">
      <p>{message}</p>
      {problem?.detail ? <p className="problem-detail">{problem.detail}</p> : null}
      {problem && problem.invalidParams.length > 0 ? (
        <ul>
          {problem.invalidParams.map((param) => (
            <li key={param.name}>
              <code>{param.name}</code>: {param.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
