// The message templates: what each is for, its category, the languages it is written in and its subject
// line; each opens its preview.
import { Link } from 'react-router';
import { api } from '../api.ts';
import { languageName, type TemplateItem } from '../components/tpl-types.ts';
import { Card, EmptyState, ErrorNote, Loading, PageHeader, useLoad } from '../ui.tsx';
import './templates.css';

/** The default files' language first, then the variants. */
export const languagesOf = (template: TemplateItem): string[] => [
  template.locale,
  ...template.variants.filter((v) => v !== template.locale),
];

export function TemplatesPage() {
  const list = useLoad(() => api.get<{ templates: TemplateItem[] }>('/templates'), []);
  const templates = list.data?.templates ?? null;
  return (
    <>
      <PageHeader
        title="Templates"
        subtitle="The emails journeys send. Open one to preview it in each language, with a customer's data or the sample data."
      />
      <ErrorNote error={list.error} retry={list.reload} />
      {!templates && list.loading ? <Loading what="templates" /> : null}
      {templates && templates.length === 0 ? (
        <EmptyState title="No templates yet.">
          <p>
            Templates are folders under <code className="code">templates/</code> (subject.hbs, html.hbs, text.hbs and template.json). Add
            one, then restart the engine.
          </p>
        </EmptyState>
      ) : null}
      {templates && templates.length > 0 ? (
        <Card>
          <table className="tpl-table">
            <caption className="visually-hidden">Message templates</caption>
            <thead>
              <tr>
                <th scope="col">Template</th>
                <th scope="col">Category</th>
                <th scope="col">Languages</th>
                <th scope="col">Subject</th>
              </tr>
            </thead>
            <tbody>
              {templates.map((template) => (
                <tr key={template.name}>
                  <td>
                    <Link to={`/templates/${encodeURIComponent(template.name)}`} className="tpl-name">
                      {template.name}
                    </Link>
                    <div className="muted tpl-description">{template.description}</div>
                  </td>
                  <td>
                    <span className={`pill tpl-category-${template.category}`}>{template.category}</span>
                  </td>
                  <td>
                    <ul className="tpl-languages" aria-label={`Languages of ${template.name}`}>
                      {languagesOf(template).map((tag) => (
                        <li key={tag}>
                          <abbr title={languageName(tag)}>{tag}</abbr>
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>
                    <code className="code tpl-subject">{template.subject}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
    </>
  );
}
