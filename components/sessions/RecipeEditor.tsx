'use client';
import { useState } from 'react';
import { RECIPE_TEMPLATES } from '@/lib/recipe-templates';

/** The recipe as editable JSON, with templates, load from file and save to file. */
export function RecipeEditor({ value, onChange }: { value: string; onChange: (v: string) => void }) {
  const [template, setTemplate] = useState<string | null>(null);
  const chosen = RECIPE_TEMPLATES.find((t) => t.id === template);
  const save = () => {
    const url = URL.createObjectURL(new Blob([value], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'bisect-recipe.json';
    a.click();
    URL.revokeObjectURL(url);
  };
  return (
    <fieldset className="recipe-editor">
      <legend>Recipe</legend>
      <div className="form-row">
        <label>
          Template
          <select
            defaultValue=""
            onChange={(e) => {
              const t = RECIPE_TEMPLATES.find((r) => r.id === e.target.value);
              setTemplate(t?.id ?? null);
              if (t) onChange(JSON.stringify(t.recipe, null, 2));
            }}
          >
            <option value="" disabled>
              Choose a template…
            </option>
            {RECIPE_TEMPLATES.map((t) => (
              <option key={t.id} value={t.id} title={t.description}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Load recipe file
          <input type="file" accept="application/json,.json" onChange={(e) => void e.target.files?.[0]?.text().then(onChange)} />
        </label>
        <button type="button" className="btn btn-small" onClick={save}>
          Save recipe
        </button>
      </div>
      {chosen && (
        <p className="muted template-hint" data-testid="template-hint">
          <strong>{chosen.name}:</strong> {chosen.description} {chosen.hint}
        </p>
      )}
      <textarea
        name="recipe"
        aria-label="recipe JSON"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={16}
        spellCheck={false}
        className="code-input"
      />
      <p className="muted">
        Phases run in order in a private worktree with <code>$BISECT_COMMIT</code>, <code>$BISECT_STEP</code>, <code>$BISECT_ENV</code>…{' '}
        <code>onFailure</code>: exitcode (git bisect run rules) | bad | skip | abort; <code>onTimeout</code>: bad | skip | abort.{' '}
        <code>on</code>: <code>local</code> or a host from <a href="/hosts">Hosts</a>; <code>kind</code>: script | checkout | wait-for-ssh |
        reboot | transfer (see the README for their fields).
      </p>
    </fieldset>
  );
}
