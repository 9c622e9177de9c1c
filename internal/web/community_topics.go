package web

import (
	"net/http"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/frontdesk/frontdesk/internal/community"
	"github.com/frontdesk/frontdesk/internal/desk"
	"github.com/frontdesk/frontdesk/internal/settings"
	"github.com/frontdesk/frontdesk/internal/store"
)

// Topic management and the posting limits at /agent/community/topics
// (p10-community): moderators create, rename, describe, translate,
// reorder and delete topics (a topic with posts only after they move);
// admins set the hourly posting and commenting limits. Plain forms, no
// script needed. The community service decides who may change topics;
// the limits are admin settings.

func init() {
	flashKeys["ctopic"] = "community.flash_topic_saved"
	flashKeys["ctopicmoved"] = "community.flash_topic_moved"
	flashKeys["ctopicdeleted"] = "community.flash_topic_deleted"
	flashKeys["climits"] = "community.flash_limits"
}

const topicsPage = "/agent/community/topics"

// communityLimits are the limit settings on the page, by form field.
var communityLimits = []struct {
	name string
	s    *settings.Setting[int64]
}{
	{"posts_per_user", settings.CommunityPostsPerUser},
	{"posts_per_ip", settings.CommunityPostsPerIP},
	{"comments_per_user", settings.CommunityCommentsPerUser},
	{"comments_per_ip", settings.CommunityCommentsPerIP},
}

// topicForm is the fields of one topic's form; Prefix keeps their ids
// apart on a page of many.
type topicForm struct {
	Page              *page
	Prefix            string
	Name, Description string
	Locales           []topicLocaleForm
}

// topicLocaleForm is a topic's name and description in a language other
// than the source's; Label is the language's own name.
type topicLocaleForm struct {
	Locale, Label, Name, Description string
}

type topicAdminView struct {
	*community.Topic
	Form topicForm
}

type limitField struct {
	Name  string
	Value string
}

type communityTopicsAdminData struct {
	Base   string
	Topics []topicAdminView
	New    topicForm
	// Limits are shown to admins only.
	Limits []limitField
}

// translationLocales are the catalogue languages topics are translated
// into: every one but the default language, which the source names are in.
func (s *Server) translationLocales() []string {
	var out []string
	for _, l := range s.bundle.Locales() {
		if l != "en" {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) topicForm(pg *page, prefix, name, description string, tr map[string]community.TopicText) topicForm {
	f := topicForm{Page: pg, Prefix: prefix, Name: name, Description: description}
	for _, l := range s.translationLocales() {
		f.Locales = append(f.Locales, topicLocaleForm{Locale: l, Label: display.Self.Name(language.Make(l)),
			Name: tr[l].Name, Description: tr[l].Description})
	}
	return f
}

func (s *Server) communityTopicsAdmin(w http.ResponseWriter, r *http.Request) error {
	return s.showCommunityTopicsAdmin(w, r, http.StatusOK, "", nil)
}

func (s *Server) showCommunityTopicsAdmin(w http.ResponseWriter, r *http.Request, status int, msg string, fe map[string][]string) error {
	rc := rcFrom(r)
	if !community.CanModerate(rc.p) {
		return desk.Forbidden("Managing community topics needs the manage_help_center permission")
	}
	ctx := r.Context()
	topics, err := s.d.Community.Topics(ctx, "")
	if err != nil {
		return err
	}
	pg := s.newPage(r, "agent", rc.T("community.manage_topics"))
	pg.Nav = "community"
	pg.Error, pg.FieldErrors = msg, fe
	d := communityTopicsAdminData{Base: communityBase(rc.locale)}
	for _, t := range topics {
		d.Topics = append(d.Topics, topicAdminView{Topic: t,
			Form: s.topicForm(pg, "topic-"+strconv.FormatInt(t.ID, 10), t.Name, t.Description, t.Translations)})
	}
	newName, newDesc := "", ""
	if r.Method == http.MethodPost && r.URL.Path == topicsPage {
		newName, newDesc = r.PostFormValue("name"), r.PostFormValue("description")
	}
	d.New = s.topicForm(pg, "topic-new", newName, newDesc, postedTranslations(r, s.translationLocales()))
	if rc.p.IsAdmin() {
		st := s.settingsSvc()
		for _, l := range communityLimits {
			v := r.PostFormValue(l.name)
			if r.Method != http.MethodPost || r.URL.Path != "/agent/community/limits" {
				n, err := l.s.Get(ctx, st)
				if err != nil {
					return err
				}
				v = strconv.FormatInt(n, 10)
			}
			d.Limits = append(d.Limits, limitField{Name: l.name, Value: v})
		}
	}
	pg.Data = d
	return s.render(w, status, "agent_community_topics", pg)
}

// postedTranslations reads name_{locale} and description_{locale} of a
// topic form (only on POST; nil otherwise).
func postedTranslations(r *http.Request, locales []string) map[string]community.TopicText {
	if r.Method != http.MethodPost {
		return nil
	}
	out := map[string]community.TopicText{}
	for _, l := range locales {
		out[l] = community.TopicText{Name: r.PostFormValue("name_" + l), Description: r.PostFormValue("description_" + l)}
	}
	return out
}

func (s *Server) topicInput(r *http.Request) community.TopicInput {
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	return community.TopicInput{Name: &name, Description: &desc, Translations: postedTranslations(r, s.translationLocales())}
}

// topicsFormError shows the page again with a validation error, or passes
// other errors on.
func (s *Server) topicsFormError(w http.ResponseWriter, r *http.Request, err error) error {
	return communityFormError(err, func(st int, msg string, fe map[string][]string) error {
		return s.showCommunityTopicsAdmin(w, r, st, msg, fe)
	}, rcFrom(r))
}

func (s *Server) communityCreateTopic(w http.ResponseWriter, r *http.Request) error {
	in := s.topicInput(r)
	// New topics go last.
	topics, err := s.d.Community.Topics(r.Context(), "")
	if err != nil {
		return err
	}
	pos := 0
	for _, t := range topics {
		pos = max(pos, t.Position+1)
	}
	in.Position = &pos
	t, err := s.d.Community.CreateTopic(r.Context(), in)
	if err != nil {
		return s.topicsFormError(w, r, err)
	}
	return redirect(w, r, withMsg(topicsPage, "ctopic")+"#topic-"+strconv.FormatInt(t.ID, 10))
}

func (s *Server) communityUpdateTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.d.Community.UpdateTopic(r.Context(), id, s.topicInput(r)); err != nil {
		return s.topicsFormError(w, r, err)
	}
	return redirect(w, r, withMsg(topicsPage, "ctopic")+"#topic-"+strconv.FormatInt(id, 10))
}

func (s *Server) communityMoveTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	by := 1
	switch r.PostFormValue("by") {
	case "-1":
		by = -1
	case "1":
	default:
		return desk.Invalid("by", "must be -1 or 1")
	}
	if err := s.d.Community.MoveTopic(r.Context(), id, by); err != nil {
		return err
	}
	return redirect(w, r, withMsg(topicsPage, "ctopicmoved")+"#topic-"+strconv.FormatInt(id, 10))
}

func (s *Server) communityDeleteTopic(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var to int64
	if v := strings.TrimSpace(r.PostFormValue("move_posts_to")); v != "" {
		if to, err = strconv.ParseInt(v, 10, 64); err != nil || to <= 0 {
			return s.topicsFormError(w, r, desk.Invalid("move_posts_to", "must be a topic"))
		}
	}
	if err := s.d.Community.DeleteTopic(r.Context(), id, to); err != nil {
		return s.topicsFormError(w, r, err)
	}
	return redirect(w, r, withMsg(topicsPage, "ctopicdeleted"))
}

// communitySetLimits saves the posting limits (admins) in one transaction
// (each change audited): all or none.
func (s *Server) communitySetLimits(w http.ResponseWriter, r *http.Request) error {
	st := s.settingsSvc()
	vals := make([]int64, len(communityLimits))
	var v desk.Validation
	for i, l := range communityLimits {
		n, err := strconv.ParseInt(strings.TrimSpace(r.PostFormValue(l.name)), 10, 64)
		if err != nil || n < 0 || n > settings.MaxCommunityRate {
			v.Add(l.name, rcFrom(r).T("community.limit_invalid"))
			continue
		}
		vals[i] = n
	}
	if err := v.Err(); err != nil {
		return s.topicsFormError(w, r, err)
	}
	ctx := r.Context()
	err := s.d.DB.InTx(ctx, func(tx *store.Tx) error {
		for i, l := range communityLimits {
			if err := l.s.SetTx(ctx, st, tx, vals[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.topicsFormError(w, r, err)
	}
	return redirect(w, r, withMsg(topicsPage, "climits")+"#limits-title")
}
