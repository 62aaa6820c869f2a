// The playground's own sidebar panels (GraphiQL plugins): "Sign in" and "Examples".
import { useEffect, useState } from 'react';
import { useEditorContext } from '@graphiql/react';
import { EXAMPLE_GROUPS } from './examples';
import { completeSignIn, feeSchedule, headersWithToken, signInWithEthereum, signInWithPassword } from './sign-in';

const percent = (rate) => `${(Number(rate) * 100).toFixed(3).replace(/\.?0+$/, '')}%`;

function SignInPanel({ httpUrl }) {
  const editors = useEditorContext({ nonNull: true });
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState(null);
  const [code, setCode] = useState('');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  const ethereum = typeof window !== 'undefined' ? window.ethereum : undefined;

  const useToken = (token) => {
    const editor = editors.headerEditor;
    editor?.setValue(headersWithToken(editor.getValue(), token));
    setChallenge(null);
    setCode('');
    setStatus('Signed in. The Authorization header is set: it goes with queries and mutations, and opens the subscription socket.');
  };
  const run = async (attempt) => {
    setBusy(true);
    setStatus('Signing in…');
    try {
      const result = await attempt();
      if (typeof result === 'string') useToken(result);
      else if ('token' in result) useToken(result.token);
      else {
        setChallenge(result.challenge);
        setStatus('This account has two-factor authentication: enter a code from the app (or a recovery code).');
      }
    } catch (error) {
      setStatus(`Not signed in: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      setBusy(false);
    }
  };
  const onSubmit = (event) => {
    event.preventDefault();
    if (challenge) run(() => completeSignIn(httpUrl, challenge, code.trim()));
    else run(() => signInWithPassword(httpUrl, email.trim(), password));
  };

  return (
    <div className="tg-panel">
      <div className="graphiql-doc-explorer-title">Sign in</div>
      <form className="tg-sign-in" onSubmit={onSubmit}>
        {challenge ? (
          <label>
            Code
            <input name="code" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} />
          </label>
        ) : (
          <>
            <label>
              Email
              <input name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} />
            </label>
            <label>
              Password
              <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
            </label>
          </>
        )}
        <button type="submit" className="graphiql-button" disabled={busy}>
          {challenge ? 'Verify code' : 'Sign in'}
        </button>
      </form>
      {ethereum ? (
        <button type="button" className="graphiql-button tg-siwe" disabled={busy} onClick={() => run(() => signInWithEthereum(httpUrl, ethereum))}>
          Sign in with Ethereum
        </button>
      ) : (
        <p className="tg-note">No browser wallet found: Sign-In with Ethereum needs one (window.ethereum).</p>
      )}
      <p className="tg-status" role="status">
        {status}
      </p>
      <p className="tg-note">The token stays in this page (not in the URL, not stored unless you turn on header persistence).</p>
    </div>
  );
}

function FeeSchedule({ httpUrl }) {
  const [tiers, setTiers] = useState(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    feeSchedule(httpUrl).then(setTiers, (error) => setProblem(String(error?.message ?? error)));
  }, [httpUrl]);
  return (
    <section className="tg-fees">
      <div className="graphiql-doc-explorer-section-title">Fee schedule</div>
      <p className="tg-note">
        Both sides of a fill pay a fee in the quote asset, at the rates of the user's tier (by 30-day volume in USD): the maker (the order that
        rested) and the taker. <code>Market.fees</code> is level 0; <code>me.feeTier</code> is yours.
      </p>
      {problem ? <p className="tg-note">{problem}</p> : null}
      {tiers ? (
        <table className="tg-fee-table">
          <thead>
            <tr>
              <th>level</th>
              <th>30-day volume</th>
              <th>maker</th>
              <th>taker</th>
            </tr>
          </thead>
          <tbody>
            {tiers.map((tier) => (
              <tr key={tier.level}>
                <td>{tier.level}</td>
                <td>{Number(tier.minVolume).toLocaleString('en-US')}</td>
                <td>{percent(tier.maker)}</td>
                <td>{percent(tier.taker)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function ExamplesPanel({ httpUrl }) {
  const editors = useEditorContext({ nonNull: true });
  const open = (example) => {
    editors.queryEditor?.setValue(example.text);
    editors.variableEditor?.setValue('');
  };
  return (
    <div className="tg-panel">
      <div className="graphiql-doc-explorer-title">Examples</div>
      <p className="tg-note">Opens in the current tab; variables have defaults, so each runs as it is.</p>
      {EXAMPLE_GROUPS.map((group) => (
        <section key={group.domain} className="tg-examples">
          <div className="graphiql-doc-explorer-section-title">
            {group.domain} <span className="tg-note">({group.note})</span>
          </div>
          <ul>
            {group.examples.map((example) => (
              <li key={example.name}>
                <button type="button" className="tg-example" data-example={example.name} onClick={() => open(example)}>
                  <span className="tg-kind">{example.kind}</span> {example.name}
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <FeeSchedule httpUrl={httpUrl} />
    </div>
  );
}

const Icon = ({ text }) => (
  <span aria-hidden="true" className="tg-icon">
    {text}
  </span>
);

export function playgroundPlugins(httpUrl) {
  return [
    { title: 'Sign in', icon: () => <Icon text="🔑" />, content: () => <SignInPanel httpUrl={httpUrl} /> },
    { title: 'Examples', icon: () => <Icon text="★" />, content: () => <ExamplesPanel httpUrl={httpUrl} /> },
  ];
}
