import { useTranslation } from "react-i18next";
import type { ProblemError } from "../../../api/client.js";
import { ProblemMessage } from "../../../components/Problem.js";

/**
 * A failed casework call in the user's language: the casework services' own refusals (a closed case,
 * a full activity, approval by the planner…) are translated here; anything else is the console's
 * usual problem message. Either way each field the server named is listed.
 */
export function CaseworkProblem({ error }: { error: ProblemError | Error | null | undefined }) {
  const { t } = useTranslation("casework");
  if (!error) return null;
  const problem = "code" in error ? error : undefined;
  const key = problem ? `problem.${problem.code}` : undefined;
  if (!problem || !key || !t(key, { defaultValue: "" })) return <ProblemMessage error={error} />;
  return (
    <div role="alert" className="problem">
      <p>{t(key)}</p>
      {problem.invalidParams.length > 0 ? (
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
