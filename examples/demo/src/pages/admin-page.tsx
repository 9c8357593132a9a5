import { ErrorsTable, FeatureHistory, ModelHealth, SettingsDialog, UsagePanel } from '@insforge/ai-react/admin';
import { useId, useState } from 'react';
import type { DemoRole } from '../demo-role.js';

const FEATURES = ['chat', 'code', 'summarize', 'image'] as const;

/** For admins: the settings dialog over the four features, the usage panel, a feature's history, model health and recent errors. */
export function AdminPage({ role }: { role: DemoRole }) {
  const [historyFeature, setHistoryFeature] = useState<string>('chat');
  // Saving in the dialog adds a version; bumping the key makes the history read it again.
  const [savedCount, setSavedCount] = useState(0);
  const featureSelectId = useId();

  if (role !== 'admin') {
    return (
      <section className="demo-page" aria-labelledby="admin-title">
        <h1 id="admin-title">Admin</h1>
        <p className="demo-notice">This page needs the admin role. Switch “Signed in as” to Admin in the header to change the features’ settings and see usage.</p>
      </section>
    );
  }

  return (
    <section className="demo-page" aria-labelledby="admin-title">
      <h1 id="admin-title">Admin</h1>
      <div className="demo-admin-bar">
        <p className="demo-lead">Change each feature’s model, system prompt and parameters; the next answer uses them.</p>
        <SettingsDialog
          features={FEATURES}
          onSaved={() => setSavedCount((count) => count + 1)}
          trigger={
            <button type="button" className="demo-primary">
              AI settings
            </button>
          }
        />
      </div>
      {/* The widgets carry their own headings ("Usage", "History of …"). */}
      <div className="demo-card">
        <UsagePanel />
      </div>
      <div className="demo-card">
        <div className="demo-card-head">
          <label htmlFor={featureSelectId}>Feature history of</label>
          <select id={featureSelectId} value={historyFeature} onChange={(event) => setHistoryFeature(event.target.value)}>
            {FEATURES.map((feature) => (
              <option key={feature} value={feature}>
                {feature}
              </option>
            ))}
          </select>
        </div>
        <FeatureHistory key={`${historyFeature}-${savedCount}`} feature={historyFeature} />
      </div>
      <div className="demo-card">
        <ModelHealth />
      </div>
      <div className="demo-card">
        <ErrorsTable limit={20} />
      </div>
    </section>
  );
}
