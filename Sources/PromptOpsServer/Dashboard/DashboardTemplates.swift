import HTTPTypes
import PromptOpsMustache

/// The dashboard's pages as Mustache templates, compiled once, rendered in the engine's
/// HTML-escaping mode: every `{{value}}` (names, messages, content from git, measurements) is
/// escaped; `{{{…}}}` only ever holds markup the dashboard wrote itself (a page body, a chart).
enum DashboardTemplates {
    /// The compiled pages and partials (HTML escaping on).
    static let library: MustacheLibrary = {
        var library = MustacheLibrary(escaping: .html)
        for (name, source) in sources {
            // The sources are ours and fixed: a syntax error here is a bug caught by every test.
            library.register(try! MustacheTemplate(source), named: name)
        }
        return library
    }()

    /// Renders page `name` with `context` (nil only for an unknown name: a bug).
    static func render(_ name: String, _ context: MustacheValue) -> String {
        library.render(name, context) ?? ""
    }

    static let sources: [String: String] = [
        "layout": layout, "overview": overview, "namespace": namespace, "deployment": deployment, "template": template,
        "events": events, "audit": audit, "login": login, "error": error,
        "diagnostics": diagnostics, "eventRows": eventRows, "pager": pager,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark">
        <title>{{title}} · PromptOps</title>
        <link rel="icon" href="/ui/assets/{{icon}}" type="image/svg+xml">
        <link rel="stylesheet" href="/ui/assets/{{css}}">
        <script src="/ui/assets/{{js}}" defer></script>
        </head>
        <body data-live="{{live}}" data-namespace="{{liveNamespace}}" data-deployment="{{liveDeployment}}" data-since="{{since}}">
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <a class="brand" href="/ui/">PromptOps</a>
        <nav aria-label="Main"><a href="/ui/">Overview</a><a href="/ui/events">Events</a>{{#showAudit}}<a href="/ui/audit">Audit</a>{{/showAudit}}</nav>
        {{#session}}<form class="session" method="post" action="/ui/logout"><span>{{name}}</span> <button type="submit">Sign out</button></form>{{/session}}
        </header>
        <main id="main">
        {{#hasCrumbs}}<nav class="crumbs" aria-label="Breadcrumb"><ol>{{#crumbs}}<li><a href="{{href}}">{{label}}</a></li>{{/crumbs}}<li aria-current="page">{{title}}</li></ol></nav>{{/hasCrumbs}}
        <h1>{{heading}}</h1>
        <div id="live">{{{body}}}</div>
        </main>
        <footer><span id="live-state" aria-live="polite">{{#live}}updates when something changes{{/live}}</span></footer>
        </body>
        </html>

        """

    static let diagnostics = """
        <ul class="diagnostics">{{#diagnostics}}<li class="{{severity}}">{{#href}}<a href="{{href}}">{{where}}</a>{{/href}}{{^href}}<code>{{where}}</code>{{/href}} <span>{{message}}</span></li>{{/diagnostics}}</ul>
        """

    static let pager = """
        {{#next}}<p class="pager"><a href="{{next}}" rel="next">Next page</a></p>{{/next}}
        """

    static let eventRows = """
        {{#hasEvents}}<div class="scroll"><table>
        <caption>{{eventsCaption}}</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Type</th><th scope="col">Object</th><th scope="col">Reason</th><th scope="col">Message</th></tr></thead>
        <tbody>{{#events}}<tr class="{{typeClass}}"><td><time datetime="{{machineTime}}">{{time}}</time></td><td>{{type}}</td><td>{{#href}}<a href="{{href}}">{{object}}</a>{{/href}}{{^href}}{{object}}{{/href}}</td><td>{{reason}}</td><td class="message">{{message}}</td></tr>{{/events}}</tbody>
        </table></div>{{/hasEvents}}{{^hasEvents}}<p class="none">No events yet.</p>{{/hasEvents}}
        """

    static let overview = """
        <section aria-labelledby="sources-h">
        <h2 id="sources-h">Sources</h2>
        {{#hasSources}}<div class="scroll"><table>
        <caption>Git sources the controller reads</caption>
        <thead><tr><th scope="col">Source</th><th scope="col">Branch</th><th scope="col">Revision</th><th scope="col">Last sync</th><th scope="col">State</th></tr></thead>
        <tbody>{{#sources}}<tr><td>{{name}}<br><code class="url">{{url}}</code></td><td>{{branch}}</td><td><code>{{revision}}</code></td><td><time datetime="{{machineTime}}">{{time}}</time></td><td><span class="state {{stateClass}}">{{state}}</span>{{#lastError}}<p class="error">{{lastError}}</p>{{/lastError}}{{> diagnostics}}</td></tr>{{/sources}}</tbody>
        </table></div>{{/hasSources}}{{^hasSources}}<p class="none">No source has synced yet.</p>{{/hasSources}}
        </section>
        <section aria-labelledby="ns-h">
        <h2 id="ns-h">Namespaces</h2>
        {{#hasNamespaces}}<div class="scroll"><table>
        <caption>Every namespace the store serves</caption>
        <thead><tr><th scope="col">Namespace</th><th scope="col">Applied revision</th><th scope="col">Last applied</th><th scope="col">State</th></tr></thead>
        <tbody>{{#namespaces}}<tr><td><a href="{{href}}">{{name}}</a></td><td><code>{{applied}}</code></td><td><time datetime="{{machineTime}}">{{time}}</time></td><td><span class="state {{stateClass}}">{{state}}</span>{{> diagnostics}}</td></tr>{{/namespaces}}</tbody>
        </table></div>{{> pager}}{{/hasNamespaces}}{{^hasNamespaces}}<p class="none">No namespace yet.</p>{{/hasNamespaces}}
        </section>
        {{#passChart}}<section aria-labelledby="passes-h">
        <h2 id="passes-h">Sync passes</h2>
        {{{passChart}}}
        </section>{{/passChart}}

        """

    static let namespace = """
        {{#hasErrors}}<section aria-labelledby="errors-h"><h2 id="errors-h">Not applied</h2>{{> diagnostics}}</section>{{/hasErrors}}
        <section aria-labelledby="dep-h">
        <h2 id="dep-h">Deployments</h2>
        {{#hasDeployments}}<div class="scroll"><table>
        <caption>Deployments in {{namespace}}</caption>
        <thead><tr><th scope="col">Deployment</th><th scope="col">Template</th><th scope="col">Phase</th><th scope="col">Stable</th><th scope="col">Canary</th><th scope="col">Canary weight</th></tr></thead>
        <tbody>{{#deployments}}<tr><td><a href="{{href}}">{{name}}</a></td><td><a href="{{templateHref}}">{{template}}</a></td><td><span class="phase {{phaseClass}}">{{phase}}</span></td><td>v{{stable}}</td><td>{{#canary}}v{{canary}}{{/canary}}{{^canary}}—{{/canary}}</td><td><meter min="0" max="100" value="{{weight}}" aria-label="canary weight of {{name}}">{{weight}}%</meter> {{weight}}%</td></tr>{{/deployments}}</tbody>
        </table></div>{{> pager}}{{/hasDeployments}}{{^hasDeployments}}<p class="none">No Deployment.</p>{{/hasDeployments}}
        </section>
        <section aria-labelledby="tpl-h">
        <h2 id="tpl-h">Templates</h2>
        {{#hasTemplates}}<div class="scroll"><table>
        <caption>PromptTemplates in {{namespace}}</caption>
        <thead><tr><th scope="col">Template</th><th scope="col">Version</th><th scope="col">Hash</th><th scope="col">File</th></tr></thead>
        <tbody>{{#templates}}<tr><td><a href="{{href}}">{{name}}</a></td><td>v{{version}}</td><td><code>{{hash}}</code></td><td><code>{{path}}</code></td></tr>{{/templates}}</tbody>
        </table></div>{{#nextTemplates}}<p class="pager"><a href="{{nextTemplates}}" rel="next">More templates</a></p>{{/nextTemplates}}{{/hasTemplates}}{{^hasTemplates}}<p class="none">No template.</p>{{/hasTemplates}}
        </section>

        """

    static let deployment = """
        <section aria-labelledby="state-h">
        <h2 id="state-h">State</h2>
        <dl class="facts">
        <dt>Phase</dt><dd><span class="phase {{phaseClass}}" id="phase">{{phase}}</span></dd>
        <dt>Template</dt><dd><a href="{{templateHref}}">{{template}}</a></dd>
        <dt>Strategy</dt><dd>{{strategy}}{{#environment}} ({{environment}}){{/environment}}</dd>
        <dt>Stable</dt><dd>v{{stable}} <code>{{stableHash}}</code></dd>
        <dt>Canary</dt><dd>{{#canary}}v{{canary}} <code>{{canaryHash}}</code>{{/canary}}{{^canary}}none{{/canary}}</dd>
        <dt>Canary weight</dt><dd><meter id="weight" min="0" max="100" value="{{weight}}" aria-label="canary weight">{{weight}}%</meter> <span id="weight-text">{{weight}}%</span></dd>
        <dt>Revision</dt><dd><code>{{revision}}</code></dd>
        <dt>Updated</dt><dd><time datetime="{{machineTime}}">{{time}}</time></dd>
        </dl>
        <ul class="conditions">{{#conditions}}<li><strong>{{type}}</strong> {{status}}: {{reason}} — {{message}}</li>{{/conditions}}</ul>
        </section>
        <section aria-labelledby="steps-h">
        <h2 id="steps-h">Steps</h2>
        {{#hasSteps}}<ol class="steps">{{#steps}}<li class="{{stateClass}}"{{#current}} aria-current="step"{{/current}}>{{text}}{{#current}} <strong>(current)</strong>{{/current}}</li>{{/steps}}</ol>{{/hasSteps}}{{^hasSteps}}<p class="none">No rollout has run with steps.</p>{{/hasSteps}}
        </section>
        <section aria-labelledby="charts-h">
        <h2 id="charts-h">Analysis{{#rollout}} of v{{rollout}}{{/rollout}}</h2>
        {{#judge}}<p class="judge">Judge after {{pairs}} pairs: difference {{estimate}} (interval {{lower}} to {{upper}}), margin {{margin}} — {{decision}}</p>{{/judge}}
        {{#charts}}<figure>{{{svg}}}<figcaption>{{caption}}</figcaption>
        <details><summary>Values of {{metric}}</summary><div class="scroll"><table><thead><tr><th scope="col">Time</th><th scope="col">Value</th><th scope="col">Verdict</th></tr></thead><tbody>{{#rows}}<tr><td>{{time}}</td><td>{{value}}</td><td>{{verdict}}</td></tr>{{/rows}}</tbody></table></div></details>
        </figure>{{/charts}}{{^charts}}<p class="none">No measurement yet.</p>{{/charts}}
        <figure>{{{weightChart}}}<figcaption>Canary weight over time (% of keys)</figcaption></figure>
        </section>
        <section aria-labelledby="history-h">
        <h2 id="history-h">Switch history</h2>
        {{#hasHistory}}<div class="scroll"><table><caption>Versions this Deployment switched between</caption>
        <thead><tr><th scope="col">Time</th><th scope="col">Action</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Revision</th></tr></thead>
        <tbody>{{#history}}<tr><td><time datetime="{{machineTime}}">{{time}}</time></td><td>{{action}}</td><td>{{#from}}v{{from}}{{/from}}{{^from}}—{{/from}}</td><td>v{{to}}</td><td><code>{{revision}}</code></td></tr>{{/history}}</tbody></table></div>{{/hasHistory}}{{^hasHistory}}<p class="none">No switch yet.</p>{{/hasHistory}}
        </section>
        <section aria-labelledby="events-h">
        <h2 id="events-h">Events</h2>
        {{> eventRows}}
        </section>

        """

    static let template = """
        <section aria-labelledby="served-h">
        <h2 id="served-h">Served version</h2>
        <dl class="facts">
        <dt>Version</dt><dd>v{{version}} <code>{{hash}}</code></dd>
        <dt>File</dt><dd>{{#fileHref}}<a href="{{fileHref}}">{{path}}</a>{{/fileHref}}{{^fileHref}}<code>{{path}}</code>{{/fileHref}}</dd>
        <dt>Revision</dt><dd><code>{{revision}}</code></dd>
        {{#description}}<dt>Description</dt><dd class="message">{{description}}</dd>{{/description}}
        {{#labels}}<dt>Label {{key}}</dt><dd>{{value}}</dd>{{/labels}}
        </dl>
        </section>
        <section aria-labelledby="versions-h">
        <h2 id="versions-h">Versions</h2>
        <div class="scroll"><table><caption>Every stored version, oldest first</caption>
        <thead><tr><th scope="col">Version</th><th scope="col">Hash</th><th scope="col">Commit</th><th scope="col">Author</th><th scope="col">Signed by</th><th scope="col">Stored</th></tr></thead>
        <tbody>{{#versions}}<tr><td>v{{version}}</td><td><code>{{hash}}</code></td><td><code>{{revision}}</code></td><td>{{author}}</td><td>{{signer}}</td><td><time datetime="{{machineTime}}">{{time}}</time></td></tr>{{/versions}}</tbody></table></div>
        </section>
        <section aria-labelledby="diff-h">
        <h2 id="diff-h">Compare versions</h2>
        <form class="compare" method="get" action="">
        <label>From <select name="from">{{#fromOptions}}<option value="{{version}}"{{#selected}} selected{{/selected}}>v{{version}}</option>{{/fromOptions}}</select></label>
        <label>To <select name="to">{{#toOptions}}<option value="{{version}}"{{#selected}} selected{{/selected}}>v{{version}}</option>{{/toOptions}}</select></label>
        <button type="submit">Compare</button>
        </form>
        {{#diff}}<p>v{{from}} → v{{to}}, {{basis}}</p>
        {{#messages}}<h3>{{label}}</h3>{{#unchanged}}<p class="none">Unchanged.</p>{{/unchanged}}{{#tooLarge}}<p class="none">Changed; too large to diff here (over 2,000 lines or 256 KiB): compare the versions with <code>promptops diff</code>.</p>{{/tooLarge}}{{^unchanged}}{{^tooLarge}}<div class="scroll"><table class="diff"><caption>{{label}}: v{{from}} → v{{to}}</caption><thead><tr><th scope="col">v{{from}}</th><th scope="col">v{{to}}</th><th scope="col">Line</th></tr></thead><tbody>{{#rows}}<tr class="{{kind}}"><td>{{old}}</td><td>{{new}}</td><td><span class="mark">{{mark}}</span><code>{{text}}</code></td></tr>{{/rows}}</tbody></table></div>{{/tooLarge}}{{/unchanged}}{{/messages}}{{/diff}}
        {{^diff}}<p class="none">Only one version so far.</p>{{/diff}}
        </section>

        """

    static let events = """
        <form class="filter" method="get" action="/ui/events"><label>Namespace <input name="namespace" value="{{namespace}}" autocomplete="off"></label> <button type="submit">Filter</button></form>
        {{> eventRows}}

        """

    static let audit = """
        <section aria-labelledby="verify-h">
        <h2 id="verify-h">Chain</h2>
        {{#verification}}<p class="state {{stateClass}}" id="audit-state">{{text}}</p>{{/verification}}
        </section>
        <section aria-labelledby="records-h">
        <h2 id="records-h">Records</h2>
        {{#hasRecords}}<div class="scroll"><table><caption>The latest audit records, newest first</caption>
        <thead><tr><th scope="col">Seq</th><th scope="col">Time</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Object</th><th scope="col">Revision</th></tr></thead>
        <tbody>{{#records}}<tr><td>{{seq}}</td><td><time datetime="{{machineTime}}">{{time}}</time></td><td>{{actor}}</td><td>{{action}}</td><td>{{object}}</td><td><code>{{revision}}</code></td></tr>{{/records}}</tbody></table></div>{{/hasRecords}}{{^hasRecords}}<p class="none">No audit record yet.</p>{{/hasRecords}}
        </section>

        """

    static let login = """
        <form class="login" method="post" action="/ui/login">
        {{#problem}}<p class="error" role="alert">{{problem}}</p>{{/problem}}
        <p>This controller requires an API token. It is kept in this browser as an HttpOnly cookie until you sign out.</p>
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="next" value="{{next}}">
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required autofocus>
        <button type="submit">Sign in</button>
        </form>

        """

    static let error = """
        <p class="error">{{message}}</p>
        <p><a href="/ui/">Back to the overview</a></p>

        """
}
