// One template's preview: the email as a customer would get it, in each language the template is written
// in (tabs), with a chosen customer's data (their latest order, their zone and number formats) or the
// template's sample data, with or without a survey block. The choices are kept in the address.
import { type FormEvent, type KeyboardEvent, useId, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAddressFilters } from '../address-filters.ts';
import { api } from '../api.ts';
import type { CustomerPage } from '../components/sm-types.ts';
import { EmailView } from '../components/tpl-email-view.tsx';
import { languageName, type TemplateItem, type TemplatePreview } from '../components/tpl-types.ts';
import { asApiError, Card, EmptyState, ErrorNote, Loading, PageHeader, useLoad } from '../ui.tsx';
import { languagesOf } from './templates.tsx';
import './templates.css';

const surveys = { none: 'No survey', csat: 'CSAT (1 to 5)', nps: 'NPS (0 to 10)' } as const;
type SurveyChoice = keyof typeof surveys;

export function TemplatePage() {
  const { name = '' } = useParams();
  const list = useLoad(() => api.get<{ templates: TemplateItem[] }>('/templates'), []);
  const template = list.data?.templates.find((t) => t.name === name) ?? null;
  return (
    <>
      <PageHeader
        title={`Template: ${name}`}
        subtitle={template ? template.description : 'Preview the email in each language, with a customer’s data or the sample data.'}
        actions={
          <Link to="/templates" className="button secondary">
            All templates
          </Link>
        }
      />
      <ErrorNote error={list.error} retry={list.reload} />
      {!list.data && list.loading ? <Loading what="the template" /> : null}
      {list.data && !template ? (
        <EmptyState title={`No template is named “${name}”.`}>
          <p>
            Pick one from <Link to="/templates">the template list</Link>.
          </p>
        </EmptyState>
      ) : null}
      {template ? <Preview template={template} /> : null}
    </>
  );
}

function Preview({ template }: { template: TemplateItem }) {
  const [params, changeAddress] = useAddressFilters();
  const languages = languagesOf(template);
  const wanted = params.get('locale');
  const locale = wanted && languages.includes(wanted) ? wanted : template.locale;
  const customerId = params.get('customer');
  // A template with a survey block is previewed with one (CSAT) unless another choice is made.
  const surveyParam = params.get('survey');
  const survey: SurveyChoice =
    surveyParam && surveyParam in surveys ? (surveyParam as SurveyChoice) : template.usesSurvey ? 'csat' : 'none';
  const [customerName, setCustomerName] = useState<string | null>(null);
  const ids = { survey: useId(), panel: useId(), tabs: useId() };
  const tabRefs = useRef<(HTMLButtonElement | null)[]>([]);

  function change(values: Record<string, string | null>) {
    changeAddress(values, { replace: true });
  }

  const preview = useLoad(
    () =>
      api.post<TemplatePreview>(`/templates/${encodeURIComponent(template.name)}/preview`, {
        locale,
        ...(customerId ? { customerId } : {}),
        ...(survey !== 'none' ? { survey } : {}),
      }),
    [template.name, locale, customerId, survey],
  );

  function onTabKey(event: KeyboardEvent, index: number) {
    const step = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
    const target =
      event.key === 'Home' ? 0 : event.key === 'End' ? languages.length - 1 : (index + step + languages.length) % languages.length;
    if (step === 0 && event.key !== 'Home' && event.key !== 'End') return;
    event.preventDefault();
    change({ locale: languages[target] ?? null });
    tabRefs.current[target]?.focus();
  }

  const p = preview.data;
  const dataWords = customerId
    ? `${customerName ?? 'Customer'} (${customerId}): their latest order, zone and formats`
    : 'The template’s sample data';
  return (
    <div className="tpl-preview-layout">
      <Card title="Preview with">
        <div className="tpl-controls">
          <CustomerChoice
            customerId={customerId}
            customerName={customerName}
            onChoose={(id, label) => {
              setCustomerName(label);
              change({ customer: id });
            }}
          />
          <label htmlFor={ids.survey}>Survey block</label>
          <select id={ids.survey} value={survey} onChange={(event) => change({ survey: event.target.value })}>
            {Object.entries(surveys).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
          <p className="muted tpl-hint">
            {template.usesSurvey
              ? 'This template shows a survey block: the journey step that sends it chooses CSAT or NPS.'
              : 'This template shows no survey block.'}
          </p>
        </div>
      </Card>
      <Card title="Preview">
        <div role="tablist" aria-label="Language" id={ids.tabs} className="tpl-tabs">
          {languages.map((tag, index) => (
            <button
              key={tag}
              ref={(element) => {
                tabRefs.current[index] = element;
              }}
              type="button"
              role="tab"
              id={`${ids.tabs}-${tag}`}
              aria-selected={tag === locale}
              aria-controls={ids.panel}
              tabIndex={tag === locale ? 0 : -1}
              onClick={() => change({ locale: tag })}
              onKeyDown={(event) => onTabKey(event, index)}
            >
              {languageName(tag)} <span className="muted">({tag})</span>
            </button>
          ))}
        </div>
        <div role="tabpanel" id={ids.panel} aria-labelledby={`${ids.tabs}-${locale}`}>
          <ErrorNote error={preview.error} retry={preview.reload} />
          {preview.loading ? <Loading what="the preview" /> : null}
          {p && !preview.error ? (
            <EmailView
              headingLevel={3}
              subject={p.subject}
              html={p.html}
              text={p.text}
              frameTitle={`Preview of ${template.name} in ${languageName(p.locale)}`}
              facts={[
                { label: 'Language', value: `${languageName(p.locale)} (${p.variant ? `${p.variant} variant` : 'default files'})` },
                { label: 'Category', value: p.category },
                { label: 'Data', value: dataWords },
              ]}
            />
          ) : null}
        </div>
      </Card>
    </div>
  );
}

/** Sample data, or a customer found by name or email. */
function CustomerChoice({
  customerId,
  customerName,
  onChoose,
}: {
  customerId: string | null;
  customerName: string | null;
  onChoose: (id: string | null, name: string | null) => void;
}) {
  const [mode, setMode] = useState<'sample' | 'customer'>(customerId ? 'customer' : 'sample');
  const [search, setSearch] = useState('');
  const [found, setFound] = useState<CustomerPage['customers'] | null>(null);
  const [error, setError] = useState<ReturnType<typeof asApiError> | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { search: useId(), results: useId(), name: useId() };

  async function find(event: FormEvent) {
    event.preventDefault();
    const q = search.trim();
    if (!q) return;
    setBusy(true);
    setError(null);
    try {
      setFound((await api.get<CustomerPage>('/customers', { q, limit: 8 })).customers);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <fieldset>
      <legend>Data</legend>
      <label className="tpl-radio">
        <input
          type="radio"
          name={ids.name}
          checked={mode === 'sample'}
          onChange={() => {
            setMode('sample');
            onChoose(null, null);
          }}
        />
        Sample data
      </label>
      <label className="tpl-radio">
        <input type="radio" name={ids.name} checked={mode === 'customer'} onChange={() => setMode('customer')} />A customer’s data
      </label>
      {mode === 'customer' ? (
        <>
          {customerId ? (
            <p className="tpl-chosen" role="status">
              Previewing with <strong>{customerName ?? customerId}</strong> <span className="muted">({customerId})</span>
            </p>
          ) : null}
          <form onSubmit={find} aria-label="Customer search">
            <label htmlFor={ids.search}>Find a customer</label>
            <input
              id={ids.search}
              type="search"
              placeholder="Name or email"
              value={search}
              onChange={(event) => setSearch(event.target.value)}
            />
            <button type="submit" className="button secondary small tpl-find" disabled={busy}>
              {busy ? 'Finding…' : 'Find'}
            </button>
          </form>
          <ErrorNote error={error} />
          {found && found.length === 0 ? <p className="muted">No customer’s name or email contains “{search.trim()}”.</p> : null}
          {found && found.length > 0 ? (
            <ul className="tpl-customer-results" aria-label="Customers found" id={ids.results}>
              {found.map((customer) => (
                <li key={customer.id}>
                  <button
                    type="button"
                    aria-pressed={customer.id === customerId}
                    onClick={() => onChoose(customer.id, customer.name ?? customer.email ?? customer.id)}
                  >
                    {customer.name ?? '(no name)'} <span className="muted">· {customer.email ?? customer.id}</span>
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ) : null}
    </fieldset>
  );
}
